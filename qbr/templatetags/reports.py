"""Filters the report templates format figures with (the figures' own formatting, feedback.figures)."""
import datetime as dt

from django import template
from django.utils.safestring import mark_safe

from feedback import figures

register = template.Library()


@register.filter
def duration(seconds):
    return figures.format_duration(seconds)


@register.filter
def number(value):
    """12,345 / 1.2 M / 3.4 B: large usage figures stay readable on a slide."""
    if value is None:
        return "—"
    value = int(value)
    for size, suffix in ((10 ** 9, " B"), (10 ** 6, " M")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:,}"


@register.filter
def signed(value):
    """+12.5 % / −3.0 % / — (no previous figure)."""
    if value is None:
        return "—"
    return f"+{value:.1f} %" if value >= 0 else f"\u2212{abs(value):.1f} %"


@register.filter
def counts(by_key):
    """{"P1": 1, "P2": 0, "P3": 2} -> "P1 1 · P3 2": the keys that have any."""
    return " · ".join(f"{key} {n}" for key, n in by_key.items() if n)


@register.filter
def percent(value):
    return "—" if value is None else f"{value} %"


@register.filter
def isodate(value, fmt="j M Y"):
    """An ISO date or date-time string of the report's data, as a date."""
    if not value:
        return ""
    from django.utils.dateformat import format as date_format
    parsed = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    return date_format(parsed, fmt)


@register.filter
def svg(markup):
    """A chart from feedback.svgchart: generated SVG whose text is escaped there."""
    return mark_safe(markup)


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
