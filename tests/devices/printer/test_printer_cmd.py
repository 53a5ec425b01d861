"""``tillcard devices test-print`` against the TCP test printer: output and exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from escpos_test_printer import EscPosTestPrinter

from tillcard.commands.printer_cmd import add_printer_commands


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for key in [k for k in __import__("os").environ if k.startswith("TILLCARD_")]:
        monkeypatch.delenv(key)


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="tillcard devices")
    add_printer_commands(parser.add_subparsers(dest="devices_command", required=True))
    args = parser.parse_args(["test-print", *argv])
    result: int = args.func(args)
    return result


def test_healthy_printer_prints_the_test_page_and_exits_0(
        test_printer: EscPosTestPrinter, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--printer", test_printer.uri, "--width", "58") == 0
    assert "printer status: ok" in capsys.readouterr().out
    assert test_printer.wait_for_jobs(1)
    [job] = test_printer.jobs
    assert job.lines[0] == "TEST PRINT"
    assert "12345678901234567890123456789012" in job.lines
    assert any(line.startswith("中文 合计/余额/折扣") for line in job.lines)
    assert any(line.startswith("Printer") and test_printer.uri in line for line in job.lines)
    assert "SALE" in job.lines
    assert job.of("qr") and job.of("cut")


def test_chinese_test_page(test_printer: EscPosTestPrinter) -> None:
    assert run("--printer", test_printer.uri, "--lang", "zh") == 0
    assert test_printer.wait_for_jobs(1)
    assert test_printer.jobs[0].lines[0] == "打印测试"


@pytest.mark.parametrize(("state", "named"), [
    ("near_end", "paper near end"),
    ("paper_out", "paper out"),
    ("cover_open", "cover open"),
    ("offline", "offline"),
    ("silent", "offline"),
])
def test_a_printer_with_a_problem_exits_2_and_names_it(
        test_printer: EscPosTestPrinter, capsys: pytest.CaptureFixture[str], state: str,
        named: str) -> None:
    test_printer.set_state(state)
    assert run("--printer", test_printer.uri, "--status-timeout", "0.2") == 2
    out = capsys.readouterr().out
    assert f"the printer reports: {named}" in out
    assert "what to do:" in out
    test_printer.set_state("ok")  # what was sent comes out once the fault is fixed
    if state != "silent":
        assert test_printer.wait_for_jobs(1)


def test_an_unreachable_printer_exits_1(test_printer: EscPosTestPrinter,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    test_printer.set_state("gone")
    assert run("--printer", test_printer.uri) == 1
    assert "cannot reach the printer" in capsys.readouterr().err


def test_a_bad_uri_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--printer", "lpt1") == 1
    assert "bad printer URI" in capsys.readouterr().err


def test_default_printer_comes_from_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert run() == 0  # devices.printer defaults to the simulated printer
    out = capsys.readouterr().out
    assert "printer simulated" in out
    assert "TEST PRINT" in out
