"""One house style for the book's and the templates' figures (seaborn on matplotlib), and the figures by domain:
:mod:`ecomops.plots.operations` (funnels, KPI trees) and :mod:`ecomops.plots.experiments` (A/B tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl
import seaborn as sns

__all__ = [
    "use_house_style",
    "cjk_font",
    "missing_glyphs",
    "CJK_FONTS",
    "FontMissingError",
    "PALETTE",
    "funnel_figure",
    "kpi_tree_figure",
    "power_curve_figure",
    "mde_weeks_figure",
    "lift_intervals_figure",
    "effect_over_time_figure",
    "online_share_figure",
    "cluster_quality_figure",
    "response_curves_figure",
    "catchment_figure",
    "adoption_fit_figure",
    "tornado_figure",
    "monte_carlo_figure",
    "bass_adoption_figure",
    "som_by_year_figure",
    "risk_heat_map_figure",
    "emv_figure",
    "lead_time_demand_figure",
    "roas_comparison_figure",
    "profit_waterfall_figure",
    "media_response_figure",
    "rfm_segments_figure",
    "cohort_retention_figure",
    "holdout_check_figure",
    "clv_distribution_figure",
    "monthly_trend_figure",
    "seasonality_figure",
    "lorenz_figure",
    "geographic_mix_figure",
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

    for attempt in range(2):
        installed = {font.name for font in font_manager.fontManager.ttflist}
        for name in CJK_FONTS:
            if name in installed:
                return name
        if attempt == 0:  # the font list may predate a font installed since: rebuild it once
            font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
    raise FontMissingError(
        "a Chinese (zh) report needs a font with Chinese glyphs, and none is installed; install one of: "
        + ", ".join(CJK_FONTS[:6]) + " (Debian/Ubuntu: sudo apt install fonts-noto-cjk; then delete matplotlib's "
        "font cache folder, e.g. ~/.cache/matplotlib)"
    )


def missing_glyphs(figure: Any) -> list[str]:
    """Characters of a figure's texts that none of the fonts matplotlib would use for them can draw (they
    would show as empty boxes), as ``"'转' in '转化率' (DejaVuSans.ttf)"``; empty when every glyph exists."""
    from matplotlib import font_manager, text
    from matplotlib.ft2font import FT2Font

    missing = []
    for artist in figure.findobj(text.Text):
        content = artist.get_text()
        if not content.strip():
            continue
        properties = artist.get_fontproperties()
        find_all = getattr(font_manager.fontManager, "_find_fonts_by_props", None)
        paths = find_all(properties) if find_all else [font_manager.findfont(properties)]
        fonts = [FT2Font(str(path)) for path in paths]
        for character in sorted(set(content) - set(" \n\t")):
            if not any(font.get_char_index(ord(character)) for font in fonts):
                missing.append(f"{character!r} in {content!r} ({', '.join(Path(str(p)).name for p in paths)})")
    return missing


def use_house_style(language: str | None = None) -> None:
    """Apply the house style: white grid, a colour-blind-safe palette, readable font sizes, crisp output; for a
    ``zh`` run (default: the run's language) text is drawn with :func:`cjk_font`."""
    from ..i18n import current_language

    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.05)
    latin = list(mpl.rcParamsDefault["font.sans-serif"])
    chinese = (language or current_language()) == "zh"
    mpl.rcParams["font.sans-serif"] = [cjk_font(), *latin] if chinese else latin
    mpl.rcParams["axes.unicode_minus"] = not chinese  # CJK fonts draw the ASCII hyphen-minus well
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
from .marketing import media_response_figure, profit_waterfall_figure, roas_comparison_figure  # noqa: E402
from .risk import emv_figure, lead_time_demand_figure, risk_heat_map_figure  # noqa: E402
from .expansion import (  # noqa: E402
    adoption_fit_figure, catchment_figure, cluster_quality_figure, online_share_figure, response_curves_figure,
)
from .sizing import bass_adoption_figure, monte_carlo_figure, som_by_year_figure, tornado_figure  # noqa: E402
from .customers import (  # noqa: E402
    clv_distribution_figure, cohort_retention_figure, holdout_check_figure, rfm_segments_figure,
)
from .diagnostics import geographic_mix_figure, lorenz_figure, monthly_trend_figure, seasonality_figure  # noqa: E402
