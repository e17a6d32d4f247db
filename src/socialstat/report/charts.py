"""The report's charts, drawn with matplotlib as SVG and embedded as data URIs (the HTML stays one file).

- `time_series`: one line per unit over the years, the chosen unit emphasised, the 95 % interval as a band; a
  year without a published value (suppressed, missing or incomplete) is a gap in the line, never a zero.
- `dot_plot`: each unit's value with its interval against the parent's value, units outside the 95 % funnel
  limits marked by colour and shape.

Colours are Okabe and Ito's palette, safe for the common forms of colour blindness; numbers on the axes follow the
language (decimal comma and spaced thousands in Swedish). The SVG is deterministic (no dates, fixed ids), so a
report renders byte for byte the same twice.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

from socialstat.analysis import words

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
EMPHASIS = "#000000"
STYLES = (("-", "o"), ("--", "s"), (":", "^"))  # line style and marker, in turn after the seven colours
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
    "axes.edgecolor": "#444444", "axes.grid": True, "grid.color": "#DDDDDD", "grid.linewidth": 0.6,
    "svg.fonttype": "none", "svg.hashsalt": "socialstat",
}  # fmt: skip


@dataclass(frozen=True)
class Line:
    """One unit's series: values (NaN where not published) and the interval (NaN where none)."""

    name: str
    years: Sequence[int]
    values: Sequence[float]
    lower: Sequence[float]
    upper: Sequence[float]
    emphasis: bool = False


@dataclass(frozen=True)
class Dot:
    """One unit's value and interval in a dot plot; `outside` when beyond the parent's 95 % funnel limits."""

    name: str
    value: float
    lower: float
    upper: float
    outside: bool


@dataclass(frozen=True)
class Chart:
    """A drawn chart: the SVG as a data URI, and its alternative text."""

    uri: str
    alt: str


def time_series(lines: Sequence[Line], *, axis: str, lang: str, alt: str) -> Chart:
    """Lines over the years; `axis`: what the values are (the unit of measure)."""
    with plt.rc_context(STYLE):  # type: ignore[arg-type]
        fig, ax = plt.subplots(figsize=(6.4, 3.0))
        others = 0
        for line in sorted(lines, key=lambda x: x.emphasis):
            if line.emphasis:
                colour, style, marker = EMPHASIS, "-", "o"
            else:  # seven colours, then the same with dashes and other markers: a region's 13 stay apart
                colour = PALETTE[others % 7]
                style, marker = STYLES[(others // 7) % len(STYLES)]
                others += 1
            width, size = (2.2, 4) if line.emphasis else (1.3, 3)
            ax.plot(line.years, line.values, marker=marker, markersize=size, linewidth=width, color=colour,
                    linestyle=style, label=line.name)  # fmt: skip
            if any(not math.isnan(v) for v in line.lower):
                ax.fill_between(line.years, line.lower, line.upper, color=colour, alpha=0.12, linewidth=0)
        ax.set_ylabel(axis)
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        return _finish(fig, alt)


def dot_plot(dots: Sequence[Dot], *, parent: str, parent_value: float, axis: str, lang: str, alt: str) -> Chart:
    """Each unit's value with its interval, the parent's value as a vertical line."""
    with plt.rc_context(STYLE):  # type: ignore[arg-type]
        fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(dots) + 0.9))
        for i, dot in enumerate(dots):
            colour, marker = (PALETTE[5], "D") if dot.outside else (PALETTE[0], "o")
            if not (math.isnan(dot.lower) or math.isnan(dot.upper)):
                ax.plot([dot.lower, dot.upper], [i, i], color=colour, linewidth=1.5)
            ax.plot([dot.value], [i], marker=marker, color=colour, markersize=6, linestyle="none")
        ax.axvline(parent_value, color=EMPHASIS, linewidth=1.2, linestyle="--", label=parent)
        ax.set_yticks(range(len(dots)), [d.name for d in dots])
        ax.set_ylim(-0.7, len(dots) - 0.3)
        ax.invert_yaxis()
        ax.set_xlabel(axis)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        return _finish(fig, alt)


def _tick(value: float, lang: str) -> str:
    decimals = 0 if abs(value) >= 10 or float(value).is_integer() else 1
    return words.number(value, decimals, lang)


def _finish(fig: Any, alt: str) -> Chart:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "socialstat"})
    plt.close(fig)
    return Chart("data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), alt)
