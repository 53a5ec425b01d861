from tillcard.domain.keypad import Keypad


def keys(kp: Keypad, seq: list[str]) -> list[bool]:
    return [kp.press(k) for k in seq]


def test_expression_and_total():
    kp = Keypad()
    keys(kp, ["1", "2", "+", "8", ".", "5", "×", "2"])
    assert kp.expression == "12.00 + 8.50 × 2"
    assert kp.total == 1200 + 850 * 2


def test_double_zero_and_decimal():
    kp = Keypad()
    keys(kp, ["1", "00", ".", "5"])
    assert kp.total == 10050
    assert kp.expression == "100.5"


def test_refuses_third_decimal_and_second_point():
    kp = Keypad()
    assert keys(kp, ["1", ".", "2", "5"]) == [True] * 4
    assert kp.press("9") is False
    assert kp.press(".") is False
    assert kp.total == 125


def test_refuses_over_maximum_and_keeps_previous():
    kp = Keypad(max_minor=10_000)  # 100.00
    keys(kp, ["9", "9"])
    assert kp.press("9") is False
    assert kp.total == 9900
    assert kp.press("+") and kp.press("2") is False
    assert kp.total == 9900


def test_quantity_and_backspace():
    kp = Keypad()
    keys(kp, ["5", "×", "3"])
    assert kp.total == 1500
    kp.press("backspace")
    assert kp.expression == "5.00 ×"
    assert kp.total == 500
    kp.press("backspace")
    kp.press("backspace")
    assert kp.is_empty


def test_operators_need_an_amount():
    kp = Keypad()
    assert kp.press("+") is False
    assert kp.press("×") is False
    assert kp.press("backspace") is False
    kp.press("3")
    kp.press("×")
    assert kp.press("×") is False


def test_clear_and_leading_zero():
    kp = Keypad()
    keys(kp, ["0", "0", "7"])
    assert kp.expression == "7"
    kp.press("clear")
    assert kp.is_empty and kp.total == 0


def test_unknown_key_ignored():
    kp = Keypad()
    assert kp.press("a") is False
    assert kp.is_empty
