"""Blocks that apps above the core add to the core's portal pages.

The dashboard shows planned maintenance, a ticket page shows an out-of-scope offer; the core
renders whatever is registered, in registration order, and knows none of the apps. A panel is a
template and a function of (request, **page context) that returns the panel's context, or None
when it has nothing to show (so the page skips it). Registered in each app's AppConfig.ready().
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DASHBOARD = "dashboard"
TICKET = "ticket"
PAGES = (DASHBOARD, TICKET)


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict | None]


_panels: dict[str, dict[str, Panel]] = {page: {} for page in PAGES}


def register(page: str, name: str, *, template: str, context: Callable[..., dict | None]) -> None:
    if page not in _panels:
        raise ValueError(f"unknown portal page {page!r}; one of {', '.join(PAGES)}")
    _panels[page][name] = Panel(template, context)  # by name: a second ready() replaces, not repeats


def for_page(page: str, request, **page_context) -> list[dict]:
    """[{"template": ..., "panel": {...}}] for the panels with something to show."""
    out = []
    for panel in _panels[page].values():
        context = panel.context(request, **page_context)
        if context is not None:
            out.append({"template": panel.template, "panel": context})
    return out
