"""Settings, declared once with types, defaults and descriptions; one TOML file per till.

Precedence: defaults < TOML file < ``TILLCARD_SECTION__KEY`` environment variables.
Every error names where the bad value came from, the file or the variable, because a
cashier's support call starts with "which of the two do I fix".

One language for screen and receipts: ``ui.language`` (``en`` or ``zh_CN``) also picks
the receipt labels. ``receipt.language`` (``en`` / ``zh``, the old key) is deprecated:
it is still read, and when given it decides the receipts alone, so an existing till
prints as before; new configurations leave it out.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_path, user_data_path
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tillcard.domain.clock import ClockError, SiteClock, parse_cutoff
from tillcard.domain.money import AmountError, Currency, parse_amount

ENV_PREFIX = "TILLCARD_"
CENTRAL_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
CENTRAL_URL_FORM = "postgresql://user@host/database"
RECEIPT_LANGUAGE = {"en": "en", "zh_CN": "zh"}  # ui.language -> the receipt labels' key


class ConfigError(Exception):
    """A configuration that cannot be used.

    The message has one line per problem, each ``<source>: <key>: <reason>``, where the
    source is the TOML file or the environment variable that holds the bad value.
    """


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
    sslmode: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] = Field(
        "prefer", description="TLS to the centre; verify-full on a site network")
    sslrootcert: str = Field("", description="CA file that signed the centre's certificate")
    connect_timeout_s: int = Field(3, ge=1, le=60, description="longest wait to connect to "
                                   "the centre")

    @field_validator("central_url")
    @classmethod
    def _names_a_server(cls, value: str) -> str:
        """Refuse a URL libpq would quietly read as "the local socket, my own database"."""
        problem = central_url_problem(value) if value else None
        if problem:
            raise PydanticCustomError("central_url", problem)
        return value


def central_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the central database's URL, or None when it can."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        return f"not a URL; expected {CENTRAL_URL_FORM}"
    if u.drivername not in CENTRAL_SCHEMES:
        return (f"scheme '{u.drivername}' is not PostgreSQL; expected {CENTRAL_URL_FORM}")
    missing = [part for part, there in (("host", u.host or u.query.get("host")),
                                        ("database", u.database)) if not there]
    if missing:
        return (f"names no {' and no '.join(missing)}; expected {CENTRAL_URL_FORM} "
                "(a local socket: postgresql:///database?host=/run/postgresql)")
    return None


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
    language: Literal["en", "zh"] = Field("en", description="deprecated: ui.language sets "
                                          "the receipts too; when given, this wins for them")
    width_mm: Literal[58, 80] = 80
    cjk_mode: Literal["gb18030", "fs"] = "gb18030"
    profile: str = "default"
    header: list[str] = Field(default_factory=list)
    footer: list[str] = Field(default_factory=lambda: ["Thank you"])


class SyncSettings(_Section):
    """Central profile: how long a till waits for the centre and how much it sells blind."""

    call_timeout_s: float = Field(3.0, ge=0.2, le=30, description="longest wait for the "
                                  "centre on one sale before selling offline")
    statement_timeout_ms: int = Field(2000, ge=100, le=60_000, description="longest one "
                                      "statement may run at the centre")
    poll_s: float = Field(10.0, ge=0.5, le=600, description="pull interval when no NOTIFY "
                          "arrives")
    offline_cap_minor: int = Field(500_000, ge=0, description="most this till sells offline "
                                   "per business day, all cards together (sent or not)")


class SiteSettings(_Section):
    """The site clock of a standalone till; a central site sets it once at the centre."""

    time_zone: str = Field("", description="IANA time zone of the site, e.g. Asia/Shanghai; "
                           "empty: this computer's")
    day_cutoff: str = Field("04:00", description="when the business day starts (HH:MM): "
                            "sales before it count on the day before")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            try:
                SiteClock(value)
            except ClockError as exc:
                raise PydanticCustomError("time_zone", str(exc)) from None
        return value

    @field_validator("day_cutoff")
    @classmethod
    def _cutoff(cls, value: str) -> str:
        try:
            parse_cutoff(value)
        except ClockError as exc:
            raise PydanticCustomError("day_cutoff", str(exc)) from None
        return value

    def clock(self) -> SiteClock:
        return SiteClock(self.time_zone or local_time_zone(), parse_cutoff(self.day_cutoff))


def local_time_zone() -> str:
    """This computer's IANA time zone name (``TZ``, /etc/timezone, /etc/localtime), or UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        candidates.append(target.partition("/zoneinfo/")[2])
    for name in candidates:
        if name:
            with contextlib.suppress(ClockError):
                return SiteClock(name).time_zone
    return "UTC"


class ShiftSettings(_Section):
    """The counter's shifts."""

    approval_over_minor: int = Field(1_000, ge=0, description="a counted drawer off by more "
                                     "than this needs a manager's PIN on the Z")
    required: bool = Field(True, description="sell only inside an open shift (a counted "
                           "float); off for unattended tills without a drawer")
    idle_lock_s: int = Field(300, ge=0, le=86_400, description="lock the till after this "
                             "many seconds without a key or a card (0: never)")
    void_needs_manager: bool = Field(True, description="voiding a sale needs a manager's "
                                     "PIN and a reason (except right after it)")


class ReportSettings(_Section):
    """The managers' reports and live console (the back office)."""

    replica_url: str = Field("", description="PostgreSQL URL of a read replica: reports and "
                             "the console read there, sparing the centre; empty: the "
                             "centre itself")
    daily_folder: str = Field("", description="folder the back office writes each business "
                              "day's summary PDF into at the day's cut-off; empty: none")
    shift_difference_flag_minor: int = Field(2_000, ge=0, description="the console flags a "
                                             "shift closed with a counted drawer off by more")


class CurrencySettings(_Section):
    code: str = Field("CNY", min_length=3, max_length=3, description="ISO 4217 code; its "
                      "notes and coins are what the drawer is counted in")
    locale: str = Field("zh_CN", description="how amounts are written")


class UiSettings(_Section):
    language: Literal["en", "zh_CN"] = Field("en", description="screen and receipts; read "
                                             "at start, a change takes effect at restart")
    large_type: bool = Field(False, description="larger small print on the counter; "
                             "still fits a 1024 × 768 screen")
    kiosk: bool = Field(False, description="the till's screen is the counter: full screen, "
                        "no window frame, no key leaves it (tillcard --kiosk)")
    max_amount_minor: int = Field(100_000, ge=100, le=100_000_000,
                                  description="largest amount the keypad accepts")
    paid_banner_ms: int = Field(2000, ge=200, le=10_000)
    card_clear_grace_ms: int = Field(1500, ge=0, le=10_000)


class CounterSettings(_Section):
    """How the counter takes a sale: keyed amounts, or a set price per tap (canteens)."""

    fixed_price: str = Field("", description="set price a card tap charges at once, with "
                             "no Enter (a canteen terminal), e.g. \"12.00\"; a meal "
                             "window's own price takes precedence in its window; empty: "
                             "the cashier keys amounts")
    meal_prices: bool = Field(False, description="charge a card type's meal-window price "
                              "on a tap in that window even without fixed_price")

    @field_validator("fixed_price")
    @classmethod
    def _an_amount(cls, value: str) -> str:
        """Digits with an optional fraction, more than nothing.

        The currency's decimals and the keypad's maximum are checked beside them
        (``Settings``), where the currency is known.
        """
        text = value.strip()
        whole, _, frac = text.partition(".")
        if text and not (whole.isascii() and whole.isdigit()
                         and (not frac or (frac.isascii() and frac.isdigit()))):
            raise PydanticCustomError("fixed_price", "not an amount like 12.00")
        if text and not any(ch not in "0." for ch in text):
            raise PydanticCustomError("fixed_price", "a set price is more than nothing")
        return text

    def fixed_price_minor(self, currency: Currency, max_minor: int) -> int | None:
        """The set price in minor units; None: amounts are keyed.

        Raises:
            AmountError: not an amount of this currency, zero, or over ``max_minor``.
        """
        if not self.fixed_price.strip():
            return None
        minor = parse_amount(self.fixed_price, currency, max_minor=max_minor)
        if minor == 0:
            raise AmountError("a set price is more than nothing")
        return minor


class Settings(_Section):
    profile: Profile = Field(Profile.STANDALONE, description="standalone: this till's own "
                             "SQLite; central: a shared PostgreSQL, selling offline when "
                             "it is out of reach")
    till: TillSettings = TillSettings()
    database: DatabaseSettings = DatabaseSettings()
    devices: DeviceSettings = DeviceSettings()
    sync: SyncSettings = SyncSettings()
    receipt: ReceiptSettingsModel = ReceiptSettingsModel()
    site: SiteSettings = SiteSettings()
    shift: ShiftSettings = ShiftSettings()
    currency: CurrencySettings = CurrencySettings()
    ui: UiSettings = UiSettings()
    counter: CounterSettings = CounterSettings()
    reports: ReportSettings = ReportSettings()

    @field_validator("counter")
    @classmethod
    def _set_price_fits(cls, value: CounterSettings, info: ValidationInfo) -> CounterSettings:
        """A set price in this currency's units, within what the keypad takes."""
        cur, ui = info.data.get("currency"), info.data.get("ui")
        if cur is not None and ui is not None:
            try:
                value.fixed_price_minor(Currency(cur.code, cur.locale), ui.max_amount_minor)
            except AmountError as exc:
                raise PydanticCustomError("fixed_price", "fixed_price: {reason}",
                                          {"reason": exc.reason}) from None
        return value

    @property
    def fixed_price_minor(self) -> int | None:
        """This till's set price (fixed-price mode) in minor units; None: amounts keyed."""
        return self.counter.fixed_price_minor(
            Currency(self.currency.code, self.currency.locale), self.ui.max_amount_minor)

    @model_validator(mode="before")
    @classmethod
    def _receipts_speak_the_screen_language(cls, data: Any) -> Any:
        """Fill ``receipt.language`` from ``ui.language`` unless the old key was given."""
        if not isinstance(data, dict):
            return data
        receipt = data.get("receipt", {})
        if not isinstance(receipt, dict):  # a built section, or a bad value to report
            return data
        if "language" in receipt:  # deprecated, still honoured; "zh_CN" means "zh" here
            language = receipt["language"]
            if language == "zh_CN":
                receipt = {**receipt, "language": RECEIPT_LANGUAGE[language]}
        else:
            ui = data.get("ui", {})
            screen = ui.get("language", "en") if isinstance(ui, dict) else getattr(
                ui, "language", "en")
            if not isinstance(screen, str) or screen not in RECEIPT_LANGUAGE:
                return data  # the ui section reports its own bad value
            receipt = {**receipt, "language": RECEIPT_LANGUAGE[screen]}
        return {**data, "receipt": receipt}

    def local_db_path(self) -> Path:
        if self.database.local:
            return Path(self.database.local).expanduser()
        return user_data_path("tillcard") / f"till-{self.till.id}.db"


def default_config_path() -> Path:
    return user_config_path("tillcard") / "tillcard.toml"


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (optional when no path was given) and the environment overrides.

    Raises:
        ConfigError: one line per problem, each naming its file or variable and key.
    """
    env = os.environ if env is None else env
    explicit = path is not None
    path = path or default_config_path()
    data = _read_toml(path, required=explicit)
    overrides = env_overrides(env)
    for (section, name), (_var, value) in overrides.items():
        table = data.setdefault(section, {})
        if isinstance(table, dict):  # else the file's own error is the one to report
            table[name] = value
    sources = {f"{section}.{name}": var for (section, name), (var, _v) in overrides.items()}
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, path, sources)) from None
    problem = local_db_problem(settings)
    if problem:
        raise ConfigError(f"{sources.get('database.local', path)}: database.local: {problem}")
    return settings


def check_config_file(path: Path) -> None:
    """Refuse a ``--config`` that is not a file, whatever the command does with it.

    Raises:
        ConfigError: the path is a directory or does not exist.
    """
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a configuration file")
    if not path.exists():
        raise ConfigError(f"{path}: no such configuration file")


def _read_toml(path: Path, *, required: bool) -> dict[str, Any]:
    if not required and not path.exists():
        return {}
    check_config_file(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def env_overrides(env: Mapping[str, str]) -> dict[tuple[str, str], tuple[str, str]]:
    """``TILLCARD_SECTION__KEY`` variables as ``(section, key) -> (variable, value)``.

    Variables without ``__`` (``TILLCARD_DB_PASSWORD``, the tests' own) are not settings
    and are left alone; one with ``__`` must name a real setting, else a typo would be
    silently ignored on one till and not on the next.

    Raises:
        ConfigError: one line per variable that names no setting.
    """
    found: dict[tuple[str, str], tuple[str, str]] = {}
    problems: list[str] = []
    for var, value in sorted(env.items()):
        if not var.upper().startswith(ENV_PREFIX) or "__" not in var:
            continue
        section, _, name = var[len(ENV_PREFIX):].lower().partition("__")
        model = _section_model(section)
        if model is None:
            problems.append(f"{var}: no such setting section '{section}' "
                            f"(sections: {', '.join(_section_names())})")
        elif name not in model.model_fields:
            problems.append(f"{var}: no such setting '{section}.{name}' "
                            f"(in [{section}]: {', '.join(model.model_fields)})")
        else:
            found[(section, name)] = (var, value)
    if problems:
        raise ConfigError("\n".join(problems))
    return found


def _section_names() -> list[str]:
    return [name for name in Settings.model_fields if _section_model(name) is not None]


def _section_model(name: str) -> type[_Section] | None:
    field = Settings.model_fields.get(name)
    kind = field.annotation if field is not None else None
    return kind if isinstance(kind, type) and issubclass(kind, _Section) else None


def folder_problem(folder: Path) -> str | None:
    """Why ``folder`` can be neither used nor made (``mkdir -p``), or None when it can."""
    ancestor = folder
    try:
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
    except OSError as exc:
        return f"{ancestor}: {exc.strerror or exc}"
    if not ancestor.is_dir():
        return f"{ancestor} is not a directory"
    if ancestor != folder and not os.access(ancestor, os.W_OK | os.X_OK):
        return f"{ancestor} is not writable"
    return None


def local_db_path_problem(path: Path) -> str | None:
    """Why no SQLite file can live at ``path``, or None when it can (maybe after mkdir)."""
    if path.is_dir():
        return f"{path} is a directory, not a database file"
    reason = folder_problem(path.parent)
    return f"cannot create {path}: {reason}" if reason else None


def local_db_problem(settings: Settings) -> str | None:
    """Check ``database.local`` before anything is built on it (bootstrap makes the folder)."""
    local = settings.database.local
    if not local or "://" in local:
        return None
    return local_db_path_problem(settings.local_db_path())


def source_of(key: str, path: Path | None = None,
              env: Mapping[str, str] | None = None) -> str:
    """Where setting ``key`` (``section.name``) comes from: its variable, else the file."""
    env = os.environ if env is None else env
    section, _, name = key.partition(".")
    for var in env:
        if (var.upper().startswith(ENV_PREFIX)
                and var[len(ENV_PREFIX):].lower().partition("__") == (section, "__", name)):
            return var
    return str(path or default_config_path())


def format_errors(exc: ValidationError, path: Path,
                  sources: Mapping[str, str] | None = None) -> str:
    """One line per error: ``<file or variable>: <key>: <reason>``."""
    sources = sources or {}
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        key = ".".join(loc) or "(top level)"
        source = sources.get(".".join(loc[:2]), str(path))
        lines.append(f"{source}: {key}: {err['msg']}")
    return "\n".join(lines)
