"""Filtering and sorting a ticket list (the portal's dashboard and the API's list).

Every function takes a queryset the caller scoped with `selectors.tickets_visible_to(user)` and
only narrows or orders it. Sorts are a whitelist of names (the API and the page links speak these
names, never field names); "-name" is descending.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone

from .models import OPEN_STATUSES, Status
from .search import ticket_search

# A ticket list is read newest first unless asked otherwise (the model's own order).
DEFAULT_ORDER = ("-created_at", "-id")
# Date filters are days; outside these years a day's bounds could not be stored or converted
# (9999-12-31 + 1 day overflows), and no ticket is older than the product.
FIRST_DAY, LAST_DAY = dt.date(1970, 1, 1), dt.date(2999, 12, 31)

_STATUS_ORDER = Case(*(When(status=value, then=Value(n)) for n, value in enumerate(Status.values)),
                     default=Value(len(Status.values)), output_field=IntegerField())


@dataclass(frozen=True)
class Sort:
    label: str
    expression: object
    first: str  # the direction a column header offers first: "" ascending, "-" descending
    ascending: str  # what each direction means, for the sort menu and the API's docs
    descending: str

    def order_by(self, descending: bool):
        expression = F(self.expression) if isinstance(self.expression, str) else self.expression
        # Tickets without a due time (Free, best effort) go last both ways.
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


SORTS = {
    "opened": Sort("Opened", "created_at", "-", "Oldest first", "Newest first"),
    "severity": Sort("Severity", "severity", "", "Severity: P1 first", "Severity: P4 first"),
    # The ticket's life, not the alphabet: new → acknowledged → … → closed.
    "status": Sort("Status", _STATUS_ORDER, "", "Status: new first", "Status: closed first"),
    "response_due": Sort("Response due", "response_due_at", "", "Response due: soonest first",
                         "Response due: latest first"),
    "updated": Sort("Updated", "updated_at", "-", "Least recently updated", "Recently updated"),
}


def sort_choices() -> list[tuple[str, str]]:
    """("name", meaning) for every sort, the column's first direction first."""
    out = []
    for name, sort in SORTS.items():
        both = [(name, sort.ascending), (f"-{name}", sort.descending)]
        out += both if sort.first == "" else both[::-1]
    return out


def parse_sort(value: str | None) -> str:
    """The sort if it is one of SORTS ("-" allowed), else "" (the default order)."""
    value = (value or "").strip()
    return value if value.lstrip("-") in SORTS and value.count("-") <= 1 else ""


def sort_columns(criteria: dict) -> dict[str, dict]:
    """Per sortable column of a list shown with these criteria: the sort its header link asks
    for next, and its aria-sort state ("none" for every column of a ranked search)."""
    current = criteria.get("sort") or ("" if criteria.get("q") else "-opened")
    out = {}
    for name, sort in SORTS.items():
        state, next_sort = "none", f"{sort.first}{name}"
        if current == name:
            state, next_sort = "ascending", f"-{name}"
        elif current == f"-{name}":
            state, next_sort = "descending", name
        out[name] = {"label": sort.label, "sort": next_sort, "state": state}
    return out


def ticket_sort(queryset: QuerySet, sort: str | None) -> QuerySet:
    """Ordered by a known sort, newest first within it; an unknown or blank sort leaves the
    queryset's order (search rank, or newest first)."""
    sort = parse_sort(sort)
    if not sort:
        return queryset
    return queryset.order_by(SORTS[sort.lstrip("-")].order_by(sort.startswith("-")), *DEFAULT_ORDER)


def day_bounds(day: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar day in the time zone `tz`, as aware datetimes."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


def opened_between(queryset: QuerySet, start: dt.date | None, end: dt.date | None, tz=None) -> QuerySet:
    """Tickets opened on or after day `start` and on or before day `end` (both inclusive), days
    counted in `tz` (default: the current time zone, the viewer's in the portal, UTC in the API)."""
    tz = tz or timezone.get_current_timezone()
    if start:
        queryset = queryset.filter(created_at__gte=day_bounds(start, tz)[0])
    if end:
        queryset = queryset.filter(created_at__lt=day_bounds(end, tz)[1])
    return queryset


def with_status(queryset: QuerySet, status: str) -> QuerySet:
    """"open" (any unresolved status), "all", or one status."""
    if status == "open":
        return queryset.filter(status__in=OPEN_STATUSES)
    if status in Status.values:
        return queryset.filter(status=status)
    return queryset


def ticket_list(queryset: QuerySet, *, q: str = "", severity: str = "", status: str = "all", requester=None,
                opened_from: dt.date | None = None, opened_to: dt.date | None = None, sort: str = "",
                include_internal_notes: bool = False) -> QuerySet:
    """The scoped tickets narrowed by each criterion given, ranked by `q` or sorted by `sort`."""
    queryset = with_status(queryset, status)
    if severity:
        queryset = queryset.filter(severity=severity)
    if requester is not None:
        queryset = queryset.filter(requester=requester)
    queryset = opened_between(queryset, opened_from, opened_to)
    queryset = ticket_search(queryset, q, include_internal_notes=include_internal_notes)
    return ticket_sort(queryset, sort)
