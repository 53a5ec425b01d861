"""Settings, declared once with types, defaults and descriptions; one TOML file per till.

Precedence: defaults < TOML file < ``TILLCARD_SECTION__KEY`` environment variables.
"""

from __future__ import annotations

import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_path, user_data_path
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the key and the reason."""


class Profile(StrEnum):
    STANDALONE = "standalone"
    CENTRAL = "central"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TillSettings(_Section):
    id: int = Field(1, ge=1, description="this till's number, unique per site")
    name: str = Field("Till 1", min_length=1, description="shown on screen and receipts")
    site: str = Field("Canteen", description="site or booth name for receipts and reports")


class DatabaseSettings(_Section):
    local: str = Field("", description="SQLite file of this till; empty: the data directory")
    central_url: str = Field("", description="PostgreSQL URL for the central profile")
    password_env: str = Field("TILLCARD_DB_PASSWORD",
                              description="environment variable holding the DB password")
    sslmode: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] = "prefer"
    sslrootcert: str = ""
    connect_timeout_s: int = Field(3, ge=1, le=60)


class DeviceSettings(_Section):
    reader: str = Field("simulated", description="simulated | pcsc://?name=ACR | "
                        "serial:///dev/ttyUSB0?baudrate=9600&format=rdm6300 | wedge")
    printer: str = Field("simulated", description="simulated | tcp://host:9100 | usb://vid:pid"
                         " | serial:///dev/ttyS0?baudrate=19200 | cups://Queue | file:///path")
    display: str = Field("", description="customer display URI; empty: none")
    wedge_max_gap_ms: int = Field(50, ge=5, le=500, description="keyboard-wedge reader: "
                                  "most ms between two keys of one card number; slower "
                                  "typing is a person and goes to the amount")
    wedge_min_length: int = Field(6, ge=3, le=32, description="keyboard-wedge reader: "
                                  "fewest characters before Enter that make a card number")


class ReceiptSettingsModel(_Section):
    language: Literal["en", "zh"] = "en"
    width_mm: Literal[58, 80] = 80
    cjk_mode: Literal["gb18030", "fs"] = "gb18030"
    profile: str = "default"
    header: list[str] = Field(default_factory=list)
    footer: list[str] = Field(default_factory=lambda: ["Thank you"])


class SyncSettings(_Section):
    """Central profile: how long a till waits for the centre and how much it sells blind."""

    call_timeout_s: float = Field(3.0, ge=0.2, le=30, description="longest wait for the "
                                  "centre on one sale before selling offline")
    statement_timeout_ms: int = Field(2000, ge=100, le=60_000)
    poll_s: float = Field(10.0, ge=0.5, le=600, description="pull interval when no NOTIFY "
                          "arrives")
    offline_cap_minor: int = Field(500_000, ge=0, description="most this till sells offline "
                                   "per day, unconfirmed, all cards together")


class CurrencySettings(_Section):
    code: str = Field("CNY", min_length=3, max_length=3)
    locale: str = "zh_CN"


class UiSettings(_Section):
    language: Literal["en", "zh_CN"] = "en"
    large_type: bool = False
    max_amount_minor: int = Field(100_000, ge=100, le=100_000_000,
                                  description="largest amount the keypad accepts")
    paid_banner_ms: int = Field(2000, ge=200, le=10_000)
    card_clear_grace_ms: int = Field(1500, ge=0, le=10_000)


class Settings(_Section):
    profile: Profile = Profile.STANDALONE
    till: TillSettings = TillSettings()
    database: DatabaseSettings = DatabaseSettings()
    devices: DeviceSettings = DeviceSettings()
    sync: SyncSettings = SyncSettings()
    receipt: ReceiptSettingsModel = ReceiptSettingsModel()
    currency: CurrencySettings = CurrencySettings()
    ui: UiSettings = UiSettings()

    def local_db_path(self) -> Path:
        if self.database.local:
            return Path(self.database.local).expanduser()
        return user_data_path("tillcard") / f"till-{self.till.id}.db"


def default_config_path() -> Path:
    return user_config_path("tillcard") / "tillcard.toml"


def load_settings(path: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read the TOML file (optional when no path was given) and the environment overrides."""
    env = dict(os.environ) if env is None else env
    explicit = path is not None
    path = path or default_config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    elif explicit:
        raise ConfigError(f"{path}: no such configuration file")
    for key, value in env.items():
        if key.startswith("TILLCARD_") and "__" in key:
            section, _, name = key[len("TILLCARD_"):].lower().partition("__")
            data.setdefault(section, {})[name] = value
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, path)) from None


def format_errors(exc: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid configuration"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)
