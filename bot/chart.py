"""The summary's chart: per agency, stacked bars of the four report classes, as PNG bytes.

matplotlib is imported inside the functions that draw, so that the bot's start-up does not
pay for it; it draws on a bare Figure with the Agg canvas (no pyplot, no global state), in
DejaVu Sans, which ships with matplotlib and covers Vietnamese ("Thừa Thiên Huế").
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.reports import Tally

CLASSES = ("done_on_time", "done_late", "in_progress", "overdue")
# Green, amber, blue, red: done on time reads as good, overdue as alarm, as in the reports.
COLOURS = {
    "done_on_time": "#2e7d32", "done_late": "#f9a825", "in_progress": "#1e88e5",
    "overdue": "#d32f2f",
}
DPI = 100
WIDTH_IN = 12.0
MAX_BARS = 80  # 63 provinces and a dozen ministries; beyond that the document has the rest
_HEAD_IN = 1.9  # title, subtitle, legend and axis
_BAR_IN = 0.32
_MIN_IN = 4.0


@dataclass(frozen=True, slots=True)
class ChartText:
    """The chart's words, rendered from templates/<lang>/summary_chart.html."""

    title: str
    subtitle: str
    labels: Mapping[str, str]  # report class -> legend label
    axis: str
    empty: str
    more: str  # shown when agencies beyond MAX_BARS were left out; may be ""


def chart_size(bars: int) -> tuple[int, int]:
    """The PNG's (width, height) in pixels for a chart of `bars` agencies."""
    shown = min(bars, MAX_BARS)
    height = max(_MIN_IN, _HEAD_IN + _BAR_IN * shown)
    return round(WIDTH_IN * DPI), round(height * DPI)


def parse_chart_text(rendered: str) -> ChartText:
    """Read the "key text" lines of the chart template into a ChartText."""
    import html

    values: dict[str, str] = {}
    for line in rendered.splitlines():
        key, _, text = line.strip().partition(" ")
        if key:
            values[key] = html.unescape(text.strip())
    return ChartText(
        title=values.get("title", ""), subtitle=values.get("subtitle", ""),
        labels={c: values.get(c, c) for c in CLASSES}, axis=values.get("axis", ""),
        empty=values.get("empty", ""), more=values.get("more", ""),
    )


def render_chart(rows: Sequence[tuple[str, Tally]], text: ChartText) -> bytes:
    """PNG bytes of the stacked bars of `rows` (label, tally), first row at the top."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = list(rows[:MAX_BARS])
    width_px, height_px = chart_size(len(rows))
    with rc_context({"font.family": "DejaVu Sans", "font.size": 10, "svg.fonttype": "none"}):
        fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        fig.suptitle(text.title, fontsize=14, fontweight="bold", y=1 - 0.25 / fig.get_figheight())
        fig.text(0.5, 1 - 0.55 / fig.get_figheight(), text.subtitle, ha="center", va="top",
                 fontsize=10, color="#444444")
        if not shown:
            fig.text(0.5, 0.5, text.empty, ha="center", va="center", fontsize=13)
        else:
            _bars(fig, shown, text, len(rows) - len(shown))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _bars(fig: object, rows: list[tuple[str, Tally]], text: ChartText, hidden: int) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    assert isinstance(fig, Figure)
    height = fig.get_figheight()
    longest = max(len(label) for label, _ in rows)
    left = min(0.4, (0.3 + 0.075 * longest) / fig.get_figwidth())
    top = 1 - (_HEAD_IN - 0.6) / height
    bottom = 0.6 / height
    axes = fig.add_axes((left, bottom, 0.97 - left, top - bottom))
    positions = list(range(len(rows)))[::-1]  # the worst agency, first, at the top
    widest = max(max(tally.total for _, tally in rows), 1)
    starts = [0] * len(rows)
    for cls in CLASSES:
        counts = [getattr(tally, cls) for _, tally in rows]
        axes.barh(positions, counts, left=starts, color=COLOURS[cls], label=text.labels[cls],
                  height=0.7, edgecolor="white", linewidth=0.5)
        for y, start, count in zip(positions, starts, counts, strict=True):
            # A count is written inside its segment only where it fits.
            if count and count / widest >= 0.025:
                axes.text(start + count / 2, y, str(count), ha="center", va="center",
                          fontsize=8, color="black" if cls == "done_late" else "white")
        starts = [s + c for s, c in zip(starts, counts, strict=True)]
    axes.set_yticks(positions, [label for label, _ in rows])
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_xlim(0, widest * 1.02)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # tasks come in whole numbers
    axes.set_xlabel(text.axis + (f" — {text.more}" if hidden and text.more else ""))
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=4, frameon=False,
                fontsize=9)
