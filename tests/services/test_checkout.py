"""Checkout service: PIN checks, permissions, receipts handed to the printer queue."""

from __future__ import annotations

import pytest

from tests.conftest import NOW, Books
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.rules import RefusalCode
from tillcard.services.auth import AuthService, PermissionDenied, Role, Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.views import TillInfo


@pytest.fixture
def service(books: Books, hasher):
    printer = SimulatedPrinter()
    queue = PrintQueue(printer, ReceiptSettings())
    till = TillInfo(1, "Till 1", "Site")
    svc = CheckoutService(books.ledger, books.refs, queue, till, hasher, ReceiptBuilder(till),
                          clock=lambda: NOW)
    yield svc, printer
    queue.close()


def staff_card(books: Books, hasher) -> int:
    holder = books.refs.add_holder("Zhou Xin")
    card = books.refs.add_card("3001", holder, books.types["staff"], uid="AA01",
                               pin_hash=hasher.hash("2468"))
    import uuid
    books.ledger.recharge(uuid.uuid4(), 1, card, 20_000, NOW)
    return card


CASHIER = Session(1, "c", "Li Na", Role.CASHIER)


def test_wrong_pin_counts_down_then_locks(service, books, hasher):
    svc, _ = service
    card = staff_card(books, hasher)
    r = svc.charge(CASHIER, card, 6_000, pin="1111")
    assert r.refusal is not None and r.refusal.code is RefusalCode.WRONG_PIN
    assert r.refusal.numbers == {"tries_left": 2}
    assert r.refusal.message == "Wrong PIN — 2 tries left"
    svc.charge(CASHIER, card, 6_000, pin="2222")
    r = svc.charge(CASHIER, card, 6_000, pin="3333")
    assert r.refusal is not None and r.refusal.code is RefusalCode.PIN_LOCKED
    r = svc.charge(CASHIER, card, 6_000, pin="2468")  # even the right PIN, once locked
    assert r.refusal is not None and r.refusal.code is RefusalCode.PIN_LOCKED
    r = svc.charge(CASHIER, card, 100)  # the card itself is locked for sales
    assert r.refusal is not None and r.refusal.code is RefusalCode.PIN_LOCKED


def test_right_pin_resets_failures_and_charges(service, books, hasher):
    svc, printer = service
    card = staff_card(books, hasher)
    svc.charge(CASHIER, card, 6_000, pin="0000")
    r = svc.charge(CASHIER, card, 6_000, pin="2468", expression="60")
    assert r.ok and r.quote is not None and r.quote.charge == 5_400
    assert svc.view(card).card.pin_failures == 0
    assert printer.wait_for_jobs(1, timeout=5)
    assert "54.00" in printer.texts[0]


def test_pin_required_without_pin(service, books, hasher):
    svc, _ = service
    card = staff_card(books, hasher)
    r = svc.charge(CASHIER, card, 6_000)
    assert r.refusal is not None and r.refusal.code is RefusalCode.PIN_REQUIRED


def test_permissions_enforced_in_services(books, hasher):
    auth = AuthService(books.refs, hasher)
    auth.create_user("mgr", "Wang", Role.MANAGER, "secret")
    s = auth.login("mgr", "secret")
    s.require(Role.CASHIER)
    with pytest.raises(PermissionDenied):
        s.require(Role.ADMIN)
    from tillcard.services.auth import LoginFailed
    with pytest.raises(LoginFailed):
        auth.login("mgr", "wrong")
    rec = books.refs.user_by_login("mgr")
    assert rec is not None and rec.password_hash.startswith("$argon2")


def test_a_refusal_without_card_state_reaches_the_cashier_as_a_refusal(books, hasher):
    from tillcard.domain.rules import Refusal, RefusalCode, Refused
    from tillcard.services.auth import Role, Session
    from tillcard.services.checkout import CheckoutService
    from tillcard.services.receipts import ReceiptBuilder
    from tillcard.services.views import TillInfo

    class Unreachable:
        def sale(self, req):
            raise Refused(Refusal(RefusalCode.OFFLINE_UNKNOWN_CARD))

    till = TillInfo(1, "Till 1", "Site")
    svc = CheckoutService(Unreachable(), books.refs, None, till, hasher,  # type: ignore[arg-type]
                          ReceiptBuilder(till))
    res = svc.charge(Session(1, "cashier", "Cashier", Role.CASHIER), 1, 500)
    assert not res.ok and res.view is None
    assert res.refusal is not None and res.refusal.code is RefusalCode.OFFLINE_UNKNOWN_CARD


@pytest.mark.parametrize("bad", [12.5, True, "100", -5])
def test_the_checkout_refuses_an_amount_that_is_not_whole_minor_units(service, books, bad):
    from tillcard.domain.money import AmountError

    svc, printer = service
    card = books.card("9301", cash=1_000)
    with pytest.raises(AmountError):
        svc.charge(CASHIER, card, bad)
    assert svc.view(card).wallet.cash == 1_000 and svc.last_sale is None
