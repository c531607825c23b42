"""Indicator charts as PNG: agencies' bars against the requirement, one agency's trend.

Every word and figure drawn comes from a rendered template (templates/<lang>/
indicator_chart.html) as "key text" lines, so the chart says "89,51%" in Vietnamese and
"89.51%" in English like the messages do. matplotlib is imported only when a chart is drawn;
it draws on a bare Figure with the Agg canvas (no pyplot, so no figure is left open in a
global registry), in DejaVu Sans, which covers Vietnamese. The PNG carries its own
description (title and every bar's figure) as metadata, for screen readers and checks.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.periods import Unit
from bot.render import format_number

if TYPE_CHECKING:
    from bot.ranking import Ranking
    from bot.render import Renderer
    from bot.report_doc import Block

MET = "#2e7d32"  # green: meets the requirement
NOT_MET = "#d32f2f"  # red: falls short
NEUTRAL = "#546e7a"  # no requirement to judge by
TARGET = "#212121"
AVERAGE = "#1e88e5"
DPI = 100
WIDTH_IN = 11.0
MAX_BARS = 70  # 63 provinces fit; beyond that the message lists the rest
_HEAD_IN = 1.6
_BAR_IN = 0.3
_MIN_IN = 3.6


@dataclass(frozen=True, slots=True)
class ChartText:
    """The words of a chart: "key text" lines, and the "bar" lines in drawing order."""

    values: dict[str, str] = field(default_factory=dict)
    bars: tuple[tuple[str, str], ...] = ()  # (label, figure as written)

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def parse_chart_text(rendered: str) -> ChartText:
    """Read the chart template's lines; "bar <label>|<figure>" lines keep their order."""
    import html

    values: dict[str, str] = {}
    bars: list[tuple[str, str]] = []
    for line in html.unescape(rendered).splitlines():
        key, _, text = line.strip().partition(" ")
        if key == "bar":
            label, _, figure = text.rpartition("|")
            bars.append((label.strip(), figure.strip()))
        elif key:
            values[key] = text.strip()
    return ChartText(values, tuple(bars))


@dataclass(frozen=True, slots=True)
class Bar:
    """One agency's bar: its figure, whether it meets its requirement, its own target."""

    value: float
    met: bool | None
    own_target: float | None = None


def _colour(met: bool | None) -> str:
    return MET if met is True else NOT_MET if met is False else NEUTRAL


def _description(text: ChartText) -> str:
    lines = [text.get("title"), text.get("subtitle")]
    lines += [f"{label}: {figure}" for label, figure in text.bars]
    return "\n".join(line for line in lines if line)


def _png(fig: object, text: ChartText) -> bytes:
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI,
                metadata={"Title": text.get("title"), "Description": _description(text)})
    fig.clear()
    return buffer.getvalue()


def chart_height(bars: int) -> float:
    """The bar chart's height in inches for `bars` agencies."""
    return max(_MIN_IN, _HEAD_IN + _BAR_IN * min(bars, MAX_BARS))


def bar_chart(bars: Sequence[Bar], target: float | None, average: float | None,
              text: ChartText, ticks: Callable[[float], str], top: float | None = None) -> bytes:
    """Horizontal bars, first one at the top, coloured met / not met, with the requirement
    (and each agency's own target) and the group's average drawn as lines."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = list(bars[:MAX_BARS])
    labels = [label for label, _ in text.bars[: len(shown)]]
    figures = [figure for _, figure in text.bars[: len(shown)]]
    with rc_context({"font.family": "DejaVu Sans", "font.size": 10}):
        fig = Figure(figsize=(WIDTH_IN, chart_height(len(shown))), dpi=DPI)
        FigureCanvasAgg(fig)
        height = fig.get_figheight()
        fig.suptitle(text.get("title"), fontsize=14, fontweight="bold", y=1 - 0.22 / height)
        fig.text(0.5, 1 - 0.5 / height, text.get("subtitle"), ha="center", va="top",
                 fontsize=10, color="#444444")
        if not shown:
            fig.text(0.5, 0.45, text.get("empty"), ha="center", va="center", fontsize=13)
            return _png(fig, text)
        longest = max(len(label) for label in labels)
        left = min(0.38, (0.3 + 0.075 * longest) / fig.get_figwidth())
        axes = fig.add_axes((left, 0.5 / height, 0.9 - left, 1 - 1.5 / height))
        positions = list(range(len(shown)))[::-1]
        widest = max([b.value for b in shown] + [target or 0.0, average or 0.0])
        limit = top if top is not None and widest <= top else widest * 1.12 or 1.0
        axes.barh(positions, [b.value for b in shown], color=[_colour(b.met) for b in shown],
                  height=0.7)
        for y, bar, figure in zip(positions, shown, figures, strict=True):
            axes.text(bar.value + limit * 0.005, y, figure, va="center", fontsize=8.5)
            if bar.own_target is not None:
                axes.plot([bar.own_target] * 2, [y - 0.42, y + 0.42], color=TARGET,
                          linewidth=2)
        handles: list[Any] = []
        if target is not None:
            handles.append(axes.axvline(target, color=TARGET, linestyle="--", linewidth=1.5,
                                        label=text.get("target")))
        if average is not None and text.get("average"):
            handles.append(axes.axvline(average, color=AVERAGE, linestyle=":", linewidth=1.5,
                                        label=text.get("average")))
        from matplotlib.patches import Patch

        kinds = {b.met for b in shown}
        for met, key in ((True, "met"), (False, "not_met")):
            if met in kinds and text.get(key):
                handles.append(Patch(color=_colour(met), label=text.get(key)))
        _frame(axes, "y", positions, labels, (-0.6, len(shown) - 0.4), limit, ticks,
               text.get("axis"))
        if handles:
            axes.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                        ncols=len(handles), frameon=False, fontsize=9)
        return _png(fig, text)


def _frame(axes: Any, along: str, places: Sequence[int], labels: Sequence[str],
           span: tuple[float, float], limit: float, ticks: Callable[[float], str],
           title: str | None) -> None:
    """A chart's two axes: the labelled places `along` "x" or "y", the figures from 0 to
    `limit` on the other, written by `ticks`; no frame on the top and right."""
    from matplotlib.ticker import FuncFormatter

    figures = "y" if along == "x" else "x"
    getattr(axes, f"set_{along}ticks")(places, labels)
    getattr(axes, f"set_{along}lim")(*span)
    getattr(axes, f"set_{figures}lim")(0, limit)
    getattr(axes, f"{figures}axis").set_major_formatter(FuncFormatter(lambda v, _: ticks(v)))
    getattr(axes, f"set_{figures}label")(title)
    axes.spines[["top", "right"]].set_visible(False)


def trend_chart(values: Sequence[float], met: Sequence[bool | None], target: float | None,
                text: ChartText, ticks: Callable[[float], str], top: float | None = None
                ) -> bytes:
    """One agency's figures over periods (oldest left), with the requirement as a line."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [label for label, _ in text.bars]
    figures = [figure for _, figure in text.bars]
    with rc_context({"font.family": "DejaVu Sans", "font.size": 10}):
        fig = Figure(figsize=(WIDTH_IN * 0.8, 5.0), dpi=DPI)
        FigureCanvasAgg(fig)
        fig.suptitle(text.get("title"), fontsize=14, fontweight="bold", y=0.96)
        fig.text(0.5, 0.9, text.get("subtitle"), ha="center", va="top", fontsize=10,
                 color="#444444")
        axes = fig.add_axes((0.1, 0.14, 0.86, 0.66))
        xs = list(range(len(values)))
        axes.plot(xs, list(values), color=NEUTRAL, linewidth=2, zorder=1)
        axes.scatter(xs, list(values), c=[_colour(m) for m in met], s=70, zorder=2)
        widest = max([*values, target or 0.0, 1.0])
        limit = top if top is not None and widest <= top else widest * 1.15
        for x, value, figure in zip(xs, values, figures, strict=True):
            axes.annotate(figure, (x, value), textcoords="offset points", xytext=(0, 9),
                          ha="center", fontsize=9)
        if target is not None:
            axes.axhline(target, color=TARGET, linestyle="--", linewidth=1.5,
                         label=text.get("target"))
            axes.legend(loc="lower right", frameon=False, fontsize=9)
        _frame(axes, "x", xs, labels, (-0.5, len(values) - 0.5), limit, ticks,
               text.get("axis"))
        return _png(fig, text)


def ranking_png(renderer: Renderer, lang: str, ranking: Ranking, **values: Any) -> bytes:
    """The bar chart of a ranking, its words rendered in `lang` (values: the template's)."""
    indicator = ranking.indicator
    text = parse_chart_text(renderer.render("indicator_chart", lang, kind="bar",
                                            indicator=indicator, ranking=ranking, **values))
    bars = [Bar(r.value, r.met, r.target if r.own_target else None) for r in ranking.rows]
    return bar_chart(bars, indicator.target, ranking.average, text, ticks(lang),
                     top_of(indicator.unit))


def ticks(lang: str) -> Callable[[float], str]:
    """Axis ticks in the language's number format (the unit is in the axis title)."""
    return lambda value: format_number(value, lang, 1)


def top_of(unit: Unit) -> float | None:
    """Where a rate's axis ends: 100%, unless a figure is above it."""
    return 100.0 if unit is Unit.PERCENT else None


def add_figures(blocks: list[Block], renderer: Renderer, lang: str,
                rankings: Sequence[Ranking], **values: Any) -> None:
    """Draw the chart of each "figure indicator-<n>" block of a report into the block."""
    by_key = {f"indicator-{r.indicator.number}": r for r in rankings}
    for block in blocks:
        ranking = by_key.get(block.text) if block.kind == "figure" else None
        if ranking is not None and ranking.rows:
            block.image = ranking_png(renderer, lang, ranking, **values)
