"""Settings as TOML text: only what differs from the defaults, plus what the wizard set.

A short file is one a site's IT person can read over the phone: every line is a choice
somebody made. Keys the wizard asked about are written even when they equal the default
(``keep``), so the file records the choice and a later change of a default cannot move a
till that was set up on purpose. The deprecated ``receipt.language`` is never written
when ``ui.language`` already implies it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from tillcard.config import RECEIPT_LANGUAGE, Settings

HEADER = "# Tillcard settings (written by the set-up wizard; see README for every key)\n"


def settings_to_toml(settings: Settings, keep: Iterable[str] = ()) -> str:
    """TOML text that ``load_settings`` reads back as ``settings``.

    ``keep``: dotted keys (``till.name``, ``profile``) written even at their default.
    """
    forced = set(keep)
    default = Settings()
    lines = [HEADER]
    if settings.profile != default.profile or "profile" in forced:
        lines.append(f"profile = {toml_value(settings.profile.value)}\n")
    for section, field in Settings.model_fields.items():
        value = getattr(settings, section)
        if not isinstance(value, BaseModel) or field.annotation is None:
            continue
        body = _section_lines(section, value, getattr(default, section), forced, settings)
        if body:
            lines.append(f"\n[{section}]\n" + "".join(body))
    return "".join(lines)


def _section_lines(section: str, value: BaseModel, default: BaseModel, forced: set[str],
                   settings: Settings) -> list[str]:
    out = []
    for name in type(value).model_fields:
        key = f"{section}.{name}"
        mine, theirs = getattr(value, name), getattr(default, name)
        if key == "receipt.language":  # deprecated: written only where it overrides
            theirs = RECEIPT_LANGUAGE[settings.ui.language]
            if mine == theirs:
                continue
        if mine != theirs or key in forced:
            out.append(f"{name} = {toml_value(mine)}\n")
    return out


def toml_value(value: Any) -> str:
    """One TOML value: strings, booleans, integers, floats and lists of them.

    JSON's string escapes are a subset of TOML's basic strings, so ``json.dumps`` with
    ``ensure_ascii=False`` quotes any text (Chinese included) as TOML reads it back.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")
