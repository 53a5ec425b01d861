"""A manager's PIN at a prompt where nobody picked a name: wrong guesses count, per till."""

from __future__ import annotations

import pytest

from tests.conftest import NOW, Books
from tests.services.test_shifts import Clock
from tillcard.services.auth import (
    LOCKOUT,
    MAX_FAILURES,
    AuthService,
    FailReason,
    LockedOut,
    LoginFailed,
    SecretHasher,
)


@pytest.fixture
def auth(books: Books, hasher: SecretHasher) -> tuple[AuthService, Clock]:
    books.refs.add_user("wang", "Wang Fang", "manager", "x", pin_hash=hasher.hash("9999"))
    books.refs.add_user("zhao", "Zhao Min", "cashier", "x", pin_hash=hasher.hash("2222"))
    clock = Clock(NOW)
    return AuthService(books.refs, hasher, clock), clock


def test_the_right_pin_approves_and_a_cashiers_pin_does_not(
        auth: tuple[AuthService, Clock]) -> None:
    service, _ = auth
    assert service.approve("9999").name == "Wang Fang"
    with pytest.raises(LoginFailed):
        service.approve("2222")  # a cashier's PIN is no manager's


def test_guessing_manager_pins_locks_the_prompt_even_for_the_right_pin(
        auth: tuple[AuthService, Clock]) -> None:
    service, clock = auth
    for guess in range(MAX_FAILURES - 1):
        with pytest.raises(LoginFailed) as e:
            service.approve(f"{guess:04d}")
        assert not isinstance(e.value, LockedOut)
    with pytest.raises(LockedOut):
        service.approve("0100")  # the last allowed wrong try locks
    with pytest.raises(LockedOut) as locked:
        service.approve("9999")  # now not even the right PIN is tried
    assert locked.value.until == NOW + LOCKOUT
    clock.tick(int(LOCKOUT.total_seconds()))
    assert service.approve("9999").name == "Wang Fang"  # the lock passes with time



def test_refusals_carry_their_reason_for_the_screen(auth: tuple[AuthService, Clock]) -> None:
    """A screen words a refusal in its own language from these fields, not the English."""
    service, _ = auth
    with pytest.raises(LoginFailed) as anyone:
        service.approve("0000")
    assert anyone.value.reason is FailReason.NO_MANAGER
    wang = next(u for u in service.till_users() if u.name == "Wang Fang")
    with pytest.raises(LoginFailed) as named:
        service.approve("0000", user_id=wang.id)
    assert named.value.reason is FailReason.WRONG_SECRET
    assert (named.value.name, named.value.tries_left) == ("Wang Fang", MAX_FAILURES - 1)
