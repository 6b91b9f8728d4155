"""The hand-written SVG charts (feedback/svgchart.py): valid static SVG, a scale that reads from
zero in round steps, gaps that break lines, stacked bars that add up, labels that never overlap,
text escaped, an empty period said in words. Pure: no database."""
import re
import xml.etree.ElementTree as ET

import pytest

from feedback.svgchart import Chart, format_number, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


@pytest.mark.parametrize("low, high, expected", [
    (0, 12.7, [0, 2.5, 5, 7.5, 10, 12.5, 15]),
    (0, 100, [0, 20, 40, 60, 80, 100]),
    (-100, 100, [-100, -50, 0, 50, 100]),
    (0, 84_000, [0, 20_000, 40_000, 60_000, 80_000, 100_000]),
    (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]),
])
def test_ticks_are_round_steps_that_cover_the_values(low, high, expected):
    assert nice_ticks(low, high) == expected


def test_numbers_on_the_axis_are_short():
    assert [format_number(v) for v in (0, 7.5, 1200, 80_000, 2.25)] == ["0", "7.5", "1,200", "80k", "2.25"]
    assert [format_number(v) for v in (250_000_000, 1_500_000, 3e9)] == ["250M", "1.5M", "3B"]


def test_a_line_chart_is_static_svg_with_a_tooltip_per_point_and_a_gap_where_a_month_has_no_value():
    svg = Chart("First response", ["Jan\n2026", "Feb", "Mar", "Apr"], unit=" h").add("p50", [1, 2, None, 4]).render()
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 640 330" and "<script" not in svg
    assert root.find(f"{SVG}title").text == "First response"
    # Jan-Feb is a line; Apr stands alone: the missing March is not drawn as a value.
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2
    tips = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert tips == ["p50, Jan 2026: 1 h", "p50, Feb: 2 h", "p50, Apr: 4 h"]


def test_durations_read_from_zero_so_a_small_change_is_not_drawn_as_a_large_one():
    root = parse(Chart("t", ["a", "b"]).add("s", [3.0, 3.2]).render())
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "0" in labels


def test_stacked_bars_add_up_and_the_scale_covers_the_tallest_stack():
    chart = Chart("Volume", ["Jan", "Feb"], kind="stacked").add("P1", [10, 0]).add("P2", [30, 5])
    root = parse(chart.render())
    rects = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(rects) == 3  # a zero draws no bar
    jan = [r for r in rects if "Jan" in r.find(f"{SVG}title").text]
    top = min(float(r.get("y")) for r in jan)
    bottom = max(float(r.get("y")) + float(r.get("height")) for r in jan)
    heights = sum(float(r.get("height")) for r in jan)
    assert abs((bottom - top) - heights) < 0.5  # stacked, not overlapping
    assert "40" in [t.text for t in root.iter(f"{SVG}text")]  # the scale reaches the stack of 40


def test_month_labels_are_thinned_rather_than_overlapping_when_there_are_many():
    labels = [f"Month {i:02d}" for i in range(24)]
    root = parse(Chart("t", labels).add("s", list(range(24))).render())
    shown = [t.text for t in root.iter(f"{SVG}text") if (t.text or "").startswith("Month")]
    assert 0 < len(shown) < 24 and shown[0] == "Month 00"
    xs = [float(t.get("x")) for t in root.iter(f"{SVG}text") if (t.text or "").startswith("Month")]
    assert min(b - a for a, b in zip(xs, xs[1:])) > 8 * 12 * 0.58  # wider than a label


def test_text_is_escaped():
    svg = Chart("<b>&", ["<x>"]).add('"><script>', [1]).render()
    parse(svg)
    assert "<script" not in svg and "&lt;b&gt;&amp;" in svg


@pytest.mark.parametrize("kind", ["line", "bar", "stacked"])
def test_a_period_without_data_says_so_inside_the_frame_and_invents_no_scale(kind):
    root = parse(Chart("Empty", [], kind=kind).add("s", []).render())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "No data for this period" in texts and not any(re.fullmatch(r"[\d.]+", t or "") for t in texts)


def test_a_negative_value_draws_a_bar_down_from_zero():
    root = parse(Chart("NPS", ["Q1"], kind="bar", y_range=(-100, 100)).add("NPS", [-40]).render())
    bar = next(r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None)
    zero_line = next(l for l in root.iter(f"{SVG}line") if l.get("stroke") == "#98a2b3" and l.get("y1") == l.get("y2"))
    assert abs(float(bar.get("y")) - float(zero_line.get("y1"))) < 0.5
