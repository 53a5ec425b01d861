"""The README's settings reference is generated from config.py and must match it."""

from __future__ import annotations

from pathlib import Path

from tillcard.config import Settings
from tillcard.config_reference import END, START, block_in, markdown, rewrite

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_lists_every_setting_as_config_py_declares_it() -> None:
    assert block_in(README.read_text(encoding="utf-8")) == markdown(), (
        "run: .venv/bin/python -m tillcard.config_reference README.md")


def test_every_key_is_in_the_reference() -> None:
    text = markdown()
    for name, field in Settings.model_fields.items():
        model = field.annotation
        keys = getattr(model, "model_fields", {name: field})
        for key in keys:
            assert f"| `{key}` |" in text


def test_rewrite_replaces_only_the_block() -> None:
    before = f"intro\n{START}\nSTALE-TABLE\n{END}\nafter\n"
    after = rewrite(before)
    assert after.startswith(f"intro\n{START}\n") and after.endswith(f"{END}\nafter\n")
    assert "STALE-TABLE" not in after and "| `profile` |" in after
