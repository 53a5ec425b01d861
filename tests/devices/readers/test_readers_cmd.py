"""``tillcard devices readers`` and ``tillcard devices read``, called as the CLI would."""

from __future__ import annotations

import argparse
import sys

import pytest
from pcscd_proc import READER_0, READER_1
from reader_support import CardSlots, Pcscd

from tillcard.commands.readers_cmd import add_reader_commands


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tillcard")
    sub = parser.add_subparsers(dest="command", required=True)
    devices = sub.add_parser("devices").add_subparsers(dest="device_command", required=True)
    add_reader_commands(devices)
    return parser.parse_args(argv)


def run(*argv: str) -> int:
    args = parse(*argv)
    result: int = args.func(args)
    return result


def test_read_defaults() -> None:
    args = parse("devices", "read")
    assert (args.reader, args.timeout) == ("pcsc://", 30.0)


def test_read_times_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("devices", "read", "--reader", "simulated", "--timeout", "0.2") == 1
    assert "no card presented within 0.2 s" in capsys.readouterr().err


@pytest.mark.parametrize(("uri", "message"), [("nfc://x", "bad card reader URI"),
                                              ("wedge", "keyboard-wedge")])
def test_read_refuses_unusable_readers(capsys: pytest.CaptureFixture[str], uri: str,
                                       message: str) -> None:
    assert run("devices", "read", "--reader", uri) == 2
    assert message in capsys.readouterr().err


def test_readers_without_pyscard(monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "smartcard.System", None)
    assert run("devices", "readers") == 1
    assert "PC/SC support not installed" in capsys.readouterr().err


@pytest.mark.pcsc
def test_readers_lists_vpcd(pcscd: Pcscd, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("devices", "readers") == 0
    assert capsys.readouterr().out.splitlines() == [READER_0, READER_1]


@pytest.mark.pcsc
def test_read_prints_uid(cards: CardSlots, capsys: pytest.CaptureFixture[str]) -> None:
    cards("04a1b2c3d4e5f6", slot=1)
    assert run("devices", "read", "--reader", "pcsc://?name=PCD 00 01", "--timeout", "10") == 0
    assert capsys.readouterr().out == "04A1B2C3D4E5F6\n"


@pytest.mark.pcsc
def test_readers_says_pcscd_is_down(pcscd: Pcscd, capsys: pytest.CaptureFixture[str]) -> None:
    process = pcscd.restart_or_skip()
    process.kill()
    try:
        assert run("devices", "readers") == 1
        assert "PC/SC service not running" in capsys.readouterr().err
    finally:
        process.start()
