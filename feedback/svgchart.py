"""Static SVG charts, written directly: lines, grouped bars and stacked bars over categories.

Pure (no Django) and dependency-free. Replaces pygal for the figures' charts (docs/feedback.md,
"Charts"), for a measured reason: pygal spent 95-120 ms drawing the dashboard's five charts of
twelve months (20 ms a chart, most of it in its per-attribute config lookups), a third of the
twelve-month dashboard's 300 ms budget; these take about 1 ms each. They also fix what pygal drew
badly at dashboard size: month labels that ran into each other, and a "no data" text that
overflowed the frame.

The output is one <svg> with a viewBox (it scales to its container), no script and no external
reference, so it renders the same in a browser, with JavaScript off and in WeasyPrint's PDFs. Each
point or bar carries a <title>, which browsers show as a tooltip without any script; the chart's
own <title> and <desc> name it for screen readers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

Value = float | int | None


@dataclass(frozen=True)
class Style:
    font_family: str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    text: str = "#344054"
    strong: str = "#101828"
    grid: str = "#e4e7ec"
    axis: str = "#98a2b3"
    colors: tuple[str, ...] = ("#4f46e5", "#0e9384", "#c4320a", "#8a6100", "#475467", "#b42318")
    width: int = 640
    height: int = 330
    title_size: int = 16
    label_size: int = 12


DEFAULT = Style()
NO_DATA = "No data for this period"


@dataclass
class Series:
    name: str
    values: list[Value]
    color: str | None = None


@dataclass
class Chart:
    """A chart over categories (months, severities…): `labels` name the categories; a label may
    hold a second line after "\\n" (the year under its first month)."""

    title: str
    labels: list[str]
    series: list[Series] = field(default_factory=list)
    kind: str = "line"  # line | bar | stacked
    y_title: str = ""
    y_range: tuple[float, float] | None = None
    unit: str = ""  # after each value in the tooltips, e.g. " h" or " %"
    style: Style = DEFAULT

    def add(self, name: str, values: list[Value], color: str | None = None) -> Chart:
        self.series.append(Series(name, list(values), color))
        return self

    def render(self) -> str:
        return _Renderer(self).svg()


# --- scale --------------------------------------------------------------------------------------

def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten,
    at most `most` intervals."""
    if high <= low:
        high = low + 1
    raw = (high - low) / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step + 1e-9) * step
    ticks, value = [], start
    while value < high - 1e-9 * step:
        ticks.append(value)
        value = start + len(ticks) * step
    ticks.append(value)
    return [round(t, 10) for t in ticks]


def format_number(value: float) -> str:
    # (from, divisor, suffix): thousands from 10,000 on, so 1,200 stays exact.
    for start, divisor, suffix in ((10 ** 9, 10 ** 9, "B"), (10 ** 6, 10 ** 6, "M"), (10_000, 1000, "k")):
        if abs(value) >= start:
            return f"{value / divisor:g}{suffix}"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def text_width(text: str, size: float) -> float:
    """An estimate of rendered width (no font metrics in pure code): 0.58 em a character."""
    return len(text) * size * 0.58


# --- drawing ------------------------------------------------------------------------------------

class _Renderer:
    def __init__(self, chart: Chart):
        self.c, self.s = chart, chart.style
        self.parts: list[str] = []

    def svg(self) -> str:
        c, s = self.c, self.s
        values = [v for series in c.series for v in series.values if v is not None]
        has_data = bool(values) if c.kind == "line" else any(values)  # a bar of 0 is no bar
        out = self.parts
        out.append(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s.width} {s.height}" '
                   f'width="{s.width}" height="{s.height}" class="svgchart" role="img" font-family={quoteattr(s.font_family)} '
                   f'font-size="{s.label_size}" fill="{s.text}">')
        out.append(f"<title>{escape(c.title)}</title><desc>{escape(self._summary())}</desc>")
        out.append(f'<text x="{s.width / 2:g}" y="22" text-anchor="middle" font-size="{s.title_size}" '
                   f'fill="{s.strong}">{escape(c.title)}</text>')
        legend_height = self._legend_rows() * 18 + 6 if c.series else 0
        two_lines = any("\n" in label for label in c.labels)
        bottom = s.height - legend_height - (34 if two_lines else 20)
        low, high = self._bounds(values)
        ticks = nice_ticks(low, high) if c.y_range is None else nice_ticks(*c.y_range)
        low, high = ticks[0], ticks[-1]
        left = 14 + (16 if c.y_title else 0) + max(text_width(format_number(t), s.label_size) for t in ticks)
        self.box = (left, 40, s.width - 16, bottom)  # plot area: x0, y0, x1, y1
        self.low, self.high = low, high
        self._grid(ticks, labelled=has_data)
        self._x_labels()
        if not has_data:
            x0, y0, x1, y1 = self.box
            out.append(f'<text x="{(x0 + x1) / 2:g}" y="{(y0 + y1) / 2:g}" text-anchor="middle" '
                       f'font-size="14" fill="{s.text}">{NO_DATA}</text>')
        elif c.kind == "line":
            self._lines()
        else:
            self._bars(stacked=c.kind == "stacked")
        self._legend(bottom + (34 if two_lines else 20) + 4)
        out.append("</svg>")
        return "".join(out)

    # ---
    def _summary(self) -> str:
        names = ", ".join(series.name for series in self.c.series)
        return f"{self.c.title}: {names} over {len(self.c.labels)} periods." if names else self.c.title

    def _bounds(self, values: list[float]) -> tuple[float, float]:
        if not values:
            return 0.0, 1.0
        if self.c.kind == "stacked":
            totals = [sum(max(s.values[i] or 0, 0) for s in self.c.series) for i in range(len(self.c.labels))]
            return 0.0, max(totals + [1])
        low, high = min(values), max(values)
        # Durations, counts and shares read from zero: a chart that starts at 3 h overstates change.
        return min(low, 0.0), (high if high > low else low + 1)

    def y(self, value: float) -> float:
        x0, y0, x1, y1 = self.box
        return y1 - (value - self.low) / (self.high - self.low) * (y1 - y0)

    def band(self, i: int) -> tuple[float, float]:
        x0, _, x1, _ = self.box
        width = (x1 - x0) / max(len(self.c.labels), 1)
        return x0 + i * width, width

    def _grid(self, ticks: list[float], *, labelled: bool) -> None:
        s, out = self.s, self.parts
        x0, y0, x1, y1 = self.box
        out.append(f'<g stroke="{s.grid}" stroke-width="1">')
        for t in ticks:
            y = self.y(t)
            colour = f' stroke="{s.axis}"' if t == 0 else ""
            out.append(f'<line x1="{x0:g}" x2="{x1:g}" y1="{y:.1f}" y2="{y:.1f}"{colour}/>')
        out.append("</g>")
        out.append('<g text-anchor="end">')
        for t in ticks if labelled else ():  # an empty chart's scale would be invented
            out.append(f'<text x="{x0 - 6:g}" y="{self.y(t) + 4:.1f}">{escape(format_number(t))}</text>')
        out.append("</g>")
        if self.c.y_title:
            cy = (y0 + y1) / 2
            out.append(f'<text x="14" y="{cy:g}" text-anchor="middle" transform="rotate(-90 14 {cy:g})">'
                       f"{escape(self.c.y_title)}</text>")
        out.append(f'<line x1="{x0:g}" x2="{x0:g}" y1="{y0:g}" y2="{y1:g}" stroke="{s.axis}"/>')

    def _x_labels(self) -> None:
        labels, s = self.c.labels, self.s
        if not labels:
            return
        _, width = self.band(0)
        widest = max(text_width(label.split("\n")[0], s.label_size) for label in labels)
        every = max(1, math.ceil((widest + 6) / width))  # skip labels rather than overlap them
        y1 = self.box[3]
        self.parts.append('<g text-anchor="middle">')
        for i, label in enumerate(labels):
            first, _, second = label.partition("\n")
            if i % every and not second:
                continue
            left, w = self.band(i)
            cx = left + w / 2
            self.parts.append(f'<text x="{cx:.1f}" y="{y1 + 16:g}">{escape(first)}</text>')
            if second:
                self.parts.append(f'<text x="{cx:.1f}" y="{y1 + 30:g}" fill="{s.strong}">{escape(second)}</text>')
        self.parts.append("</g>")

    def _colour(self, index: int, series: Series) -> str:
        return series.color or self.s.colors[index % len(self.s.colors)]

    def _tip(self, series: Series, i: int, value: float) -> str:
        label = self.c.labels[i].replace("\n", " ")
        return f"<title>{escape(f'{series.name}, {label}: {format_number(value)}{self.c.unit}')}</title>"

    def _lines(self) -> None:
        out = self.parts
        for index, series in enumerate(self.c.series):
            colour = self._colour(index, series)
            runs, run = [], []
            for i, value in enumerate(series.values):
                if value is None:  # a gap (a month without data) breaks the line
                    if run:
                        runs.append(run)
                    run = []
                    continue
                left, w = self.band(i)
                run.append((left + w / 2, self.y(value), i, value))
            if run:
                runs.append(run)
            out.append(f'<g stroke="{colour}" fill="{colour}">')
            for points in runs:
                if len(points) > 1:
                    path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
                    out.append(f'<polyline points="{path}" fill="none" stroke-width="2"/>')
                for x, y, i, value in points:
                    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3">{self._tip(series, i, value)}</circle>')
            out.append("</g>")

    def _bars(self, *, stacked: bool) -> None:
        out, series_list = self.parts, self.c.series
        count = len(series_list)
        base = [0.0] * len(self.c.labels)
        zero = self.y(max(self.low, 0))
        for index, series in enumerate(series_list):
            colour = self._colour(index, series)
            out.append(f'<g fill="{colour}">')
            for i, value in enumerate(series.values):
                if not value:
                    continue
                left, w = self.band(i)
                inner = w * 0.76
                if stacked:
                    x, bw = left + (w - inner) / 2, inner
                    top, bottom = self.y(base[i] + value), self.y(base[i])
                    base[i] += value
                else:
                    bw = inner / count
                    x = left + (w - inner) / 2 + index * bw
                    top, bottom = sorted((self.y(value), zero))
                out.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{max(bw - 1, 1):.1f}" '
                           f'height="{max(bottom - top, 0.5):.1f}">{self._tip(series, i, value)}</rect>')
            out.append("</g>")

    def _legend_items(self) -> list[tuple[str, str, float]]:
        size = self.s.label_size
        return [(series.name, self._colour(i, series), 14 + text_width(series.name, size) + 18)
                for i, series in enumerate(self.c.series)]

    def _legend_layout(self) -> list[list[tuple[str, str, float]]]:
        rows, row, used = [], [], 0.0
        room = self.s.width - 32
        for item in self._legend_items():
            if row and used + item[2] > room:
                rows.append(row)
                row, used = [], 0.0
            row.append(item)
            used += item[2]
        if row:
            rows.append(row)
        return rows

    def _legend_rows(self) -> int:
        return len(self._legend_layout())

    def _legend(self, top: float) -> None:
        out = self.parts
        for r, row in enumerate(self._legend_layout()):
            total = sum(w for _, _, w in row)
            x = (self.s.width - total) / 2
            y = top + r * 18
            for name, colour, w in row:
                out.append(f'<rect x="{x:.1f}" y="{y:g}" width="10" height="10" rx="2" fill="{colour}"/>'
                           f'<text x="{x + 14:.1f}" y="{y + 9:g}">{escape(name)}</text>')
                x += w
