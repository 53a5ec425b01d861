"""The Chinese font every PDF embeds: found once, in the bundle or on the system.

A PDF whose font is not embedded prints boxes for 张伟 on a PC without that font, and
reportlab embeds only TrueType outlines (Noto CJK's CFF ``.otf`` cannot be). So: WenQuanYi
Micro Hei, carried in the bundle (``installer/tillcard.spec`` copies it) or from the
system's fonts-wqy-microhei; every candidate is checked for Chinese glyphs.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FONT = "TillcardCJK"
FONT_FAMILY = "WenQuanYi Micro Hei"
# Debian/Ubuntu (fonts-wqy-microhei), Fedora, Arch; fontconfig is asked after these.
FONT_PATHS = (
    Path(str(files("tillcard") / "resources" / "fonts" / "wqy-microhei.ttc")),  # bundle
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc"),
)

class CjkFontMissing(RuntimeError):
    """No TrueType font with Chinese glyphs: a PDF without one would print boxes."""


def _has_chinese(path: Path) -> bool:
    try:
        font = TTFont("probe", str(path), subfontIndex=0)
    except (TTFError, OSError):
        return False  # missing, or CFF outlines (Noto CJK .otf) reportlab cannot embed
    return ord("中") in font.face.charToGlyph


def _ask_fontconfig() -> Path | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    done = subprocess.run([exe, "-f", "%{file}", FONT_FAMILY], capture_output=True,
                          text=True, timeout=10, check=False)
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def find_cjk_font(paths: Sequence[Path] = FONT_PATHS, *, ask_fontconfig: bool = True) -> Path:
    """The first usable Chinese TrueType font among ``paths``, then fontconfig's match.

    fontconfig always answers with *some* font, so its answer is checked for Chinese
    glyphs like the rest.
    """
    tried = list(paths)
    for path in tried:
        if _has_chinese(path):
            return path
    found = _ask_fontconfig() if ask_fontconfig else None
    if found is not None:
        tried.append(found)
        if _has_chinese(found):
            return found
    raise CjkFontMissing(
        f"no Chinese TrueType font for PDF reports (tried {', '.join(map(str, tried))}); "
        "install fonts-wqy-microhei")


@functools.lru_cache(maxsize=1)
def register_font() -> str:
    """Register the Chinese font once per process (reportlab's registry is global)."""
    pdfmetrics.registerFont(TTFont(FONT, str(find_cjk_font()), subfontIndex=0))
    return FONT


