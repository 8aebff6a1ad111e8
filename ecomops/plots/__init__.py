"""One house style for the book's and the templates' figures (seaborn on matplotlib), and the figures by domain:
:mod:`ecomops.plots.operations` (funnels, KPI trees) and :mod:`ecomops.plots.experiments` (A/B tests)."""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

__all__ = [
    "use_house_style",
    "cjk_font",
    "CJK_FONTS",
    "FontMissingError",
    "PALETTE",
    "funnel_figure",
    "kpi_tree_figure",
    "power_curve_figure",
    "mde_weeks_figure",
    "lift_intervals_figure",
    "effect_over_time_figure",
]

PALETTE = ["#1f5f8b", "#e07b39", "#3a9a5b", "#b8403a", "#7a5195", "#8c8c8c"]


#: fonts with Chinese glyphs, in order of preference; the first one installed draws a ``zh`` report's figures
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Microsoft YaHei", "PingFang SC",
             "SimHei", "Noto Sans CJK JP", "Noto Sans CJK TC")


class FontMissingError(RuntimeError):
    """No font with Chinese glyphs is installed (the message names the fonts to install)."""


def cjk_font() -> str:
    """The first installed font of :data:`CJK_FONTS`; raise :class:`FontMissingError` naming them when none is."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    raise FontMissingError(
        "a Chinese (zh) report needs a font with Chinese glyphs, and none is installed; install one of: "
        + ", ".join(CJK_FONTS[:6]) + " (Debian/Ubuntu: sudo apt install fonts-noto-cjk; then delete matplotlib's "
        "font cache folder, e.g. ~/.cache/matplotlib)"
    )


def use_house_style(language: str | None = None) -> None:
    """Apply the house style: white grid, a colour-blind-safe palette, readable font sizes, crisp output; for a
    ``zh`` run (default: the run's language) text is drawn with :func:`cjk_font`."""
    from ..i18n import current_language

    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.05)
    if (language or current_language()) == "zh":
        mpl.rcParams["font.sans-serif"] = [cjk_font(), *mpl.rcParams["font.sans-serif"]]
        mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 4.5),
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.autolayout": True,
        }
    )




# the figures by domain (imported after PALETTE, which they use)
from .experiments import effect_over_time_figure, lift_intervals_figure, mde_weeks_figure, power_curve_figure  # noqa: E402
from .operations import funnel_figure, kpi_tree_figure  # noqa: E402
