"""Every code the domain can refuse with has a text the cashier reads."""

from tillcard.domain.rules import RefusalCode


def test_every_refusal_has_a_text_for_the_cashier():
    """A refusal without its translatable text would stop the window with a KeyError."""
    from tillcard.domain.money import Currency
    from tillcard.domain.rules import Refusal
    from tillcard.ui.texts import refusal_text

    numbers = {"shortfall": 1, "available": 1, "limit": 1, "left": 1, "limit_count": 1,
               "tries_left": 1}
    for code in RefusalCode:
        assert refusal_text(Refusal(code, numbers), Currency())
