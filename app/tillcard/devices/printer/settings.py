"""Per-printer receipt settings: paper width, language, Chinese mode, header and footer."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from escpos.capabilities import CAPABILITIES, get_profile

from tillcard.domain.money import Currency

Language = Literal["en", "zh"]
CjkMode = Literal["gb18030", "fs"]

# Font A columns when no capability profile is named: what 58 mm and 80 mm rolls hold.
COLUMNS_BY_PAPER = {58: 32, 80: 48}


def profile_names() -> list[str]:
    """Capability profiles python-escpos ships, for error messages and the CLI."""
    return sorted(CAPABILITIES["profiles"])


@dataclass(frozen=True)
class ReceiptSettings:
    """How one printer wants its receipts; built once from config, shared by every job.

    Attributes:
        paper_mm: 58 or 80; gives the column count when no profile is named.
        language: "en" or "zh" for the fixed labels.
        cjk_mode: "gb18030" sends Chinese bytes as is (Chinese-market printers, which
            power on in Chinese mode); "fs" wraps them in ``FS &`` / ``FS .`` (Epson
            international models, which otherwise print code-page symbols).
        header: lines centred above every receipt (shop name, address, tax id).
        footer: lines centred below every receipt.
        profile: a python-escpos capability profile; it decides whether a cutter is
            there, and its font A columns win over ``paper_mm`` when it names a real
            model (generic ones like "default" do not know the paper).
        currency: decimals for the amounts.
        columns: explicit column count, for printers no profile describes.
        cut: cut after the receipt (ignored when the profile says there is no cutter).
        qr_size: QR module size in dots, 1-16.
    """

    paper_mm: int = 80
    language: Language = "en"
    cjk_mode: CjkMode = "gb18030"
    header: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    profile: str | None = None
    currency: Currency = field(default_factory=Currency)
    columns: int | None = None
    cut: bool = True
    qr_size: int = 4

    def __post_init__(self) -> None:
        if self.paper_mm not in COLUMNS_BY_PAPER:
            raise ValueError(f"paper width must be 58 or 80 mm, not {self.paper_mm}")
        if self.language not in ("en", "zh"):
            raise ValueError(f"receipt language must be 'en' or 'zh', not {self.language!r}")
        if self.cjk_mode not in ("gb18030", "fs"):
            raise ValueError(f"cjk_mode must be 'gb18030' or 'fs', not {self.cjk_mode!r}")
        if self.profile is not None and self.profile not in CAPABILITIES["profiles"]:
            raise ValueError(
                f"unknown printer profile {self.profile!r}; one of: {', '.join(profile_names())}"
            )
        if self.columns is not None and not 16 <= self.columns <= 80:
            raise ValueError(f"columns must be between 16 and 80, not {self.columns}")
        if not 1 <= self.qr_size <= 16:
            raise ValueError(f"qr_size must be between 1 and 16, not {self.qr_size}")
        # Tuples keep the settings hashable and immutable even when config hands lists.
        object.__setattr__(self, "header", tuple(self.header))
        object.__setattr__(self, "footer", tuple(self.footer))

    @cached_property
    def cols(self) -> int:
        """Font A columns the layout fills."""
        if self.columns is not None:
            return self.columns
        if self.profile is not None:
            profile = get_profile(self.profile)
            width_mm = profile.profile_data.get("media", {}).get("width", {}).get("mm")
            columns = int(profile.get_columns("a"))
            # Generic profiles ("default", "simple") claim 42 columns for any paper.
            if isinstance(width_mm, int | float) and columns >= 16:
                return columns
        return COLUMNS_BY_PAPER[self.paper_mm]
