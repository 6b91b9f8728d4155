"""The API list's page of tickets as JSON written by PostgreSQL.

Why (docs/performance.md, "Ticket list without the cache"): on the Python path a page of 50
costs ~1.7 ms in the worker after the query — psycopg parsing ~120 datetimes, Django shaping
rows, the SLA summary per row, JSON encoding — and the list must reach a quarter of a bare
endpoint's throughput without the page cache. Here the page's ids come from the caller's
queryset (scope, filters, ranking and sort stay the ORM's) inside one statement that turns them
into the rows' JSON text (prepared per connection and query shape); Python only joins them.

The JSON is exactly what `TicketSerializer` writes (tests/test_page_json.py holds the two equal
for every clock state, escalations and empty fields); `ticket_rows` is the same shape in Python,
for SQLite. Times are ISO 8601 in UTC with "Z", microseconds only when non-zero, as Python's
`isoformat` writes them.
"""
from __future__ import annotations

import functools
from contextlib import nullcontext
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection

from accounts.scoping import Scope
from common.db import prepared

from .models import EventKind, Status
from .selectors import tickets_in_scope
from .sla.clocks import STOPPED_STATUSES, WAITING


def _iso(column: str) -> str:
    # isoformat() leaves out a zero fraction; to_char always writes one.
    return f"replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '.000000Z', 'Z')"


def _stopped(clock: str) -> str:
    if clock == "ack":
        return "t.acknowledged_at"
    if clock == "response":
        return "t.first_response_at"
    stopped = ", ".join(f"'{s}'" for s in sorted(STOPPED_STATUSES))
    return f"(CASE WHEN t.status IN ({stopped}) THEN t.resolved_at END)"


def _state(clock: str) -> str:
    """clocks.state in SQL: none / met / breached / paused / breached / at_risk / on_track."""
    due, warn, stop = f"t.{clock}_due_at", f"t.{clock}_warn_at", _stopped(clock)
    paused = f"WHEN t.status = '{WAITING}' THEN 'paused'" if clock == "resolution" else ""
    return (f"CASE WHEN {due} IS NULL THEN 'none' "
            f"WHEN {stop} IS NOT NULL THEN CASE WHEN {stop} <= {due} THEN 'met' ELSE 'breached' END "
            f"{paused} WHEN k.now >= {due} THEN 'breached' "
            f"WHEN {warn} IS NOT NULL AND k.now >= {warn} THEN 'at_risk' ELSE 'on_track' END")


_STOPPED_TEXT = {"ack": "f.acknowledged_at", "response": "f.first_response_at",
                 "resolution": f"(CASE WHEN t.status IN ({', '.join(repr(s) for s in sorted(STOPPED_STATUSES))}) "
                               "THEN f.resolved_at END)"}


# Each row is JSON text written by concatenation, not by row_to_json/json_build_object: those
# look up every value's type and output function per call, and written out the page costs
# 0.15 ms (12%) less in PostgreSQL (docs/performance.md). Text that may need escaping goes
# through to_json(), which escapes as row_to_json does; times (to_char: digits, "-:.TZ") and
# numbers need none.
def _string(expression: str) -> str:
    return f"to_json({expression})::text"


def _or_null(json_text: str) -> str:
    return f"COALESCE({json_text}, 'null')"


def _time(expression: str) -> str:
    return _or_null(f"'\"' || {expression} || '\"'")


def _object(members: list[tuple[str, str]]) -> str:
    """'{"key":value,...}' from (key, SQL of the value's JSON text); keys are fixed names."""
    return "'{' || " + " || ',' || ".join(f"'\"{key}\":' || {value}" for key, value in members) + " || '}'"


def _clock(clock: str) -> str:
    return _object([("due_at", _time(f"f.{clock}_due_at")), ("state", f"'\"' || ({_state(clock)}) || '\"'"),
                    ("stopped_at", _time(_STOPPED_TEXT[clock]))])


# Each time formatted once (to_char is most of the statement's cost), shared by the row and its clocks.
_TIMES = ("created_at", "updated_at", "resolved_at", "ack_due_at", "response_due_at", "resolution_due_at",
          "acknowledged_at", "first_response_at")


def _key_or(key: str, default: str) -> str:
    # escalation_history's data.get(key, default): a key present as null stays null.
    return f"CASE WHEN e.data ? '{key}' THEN e.data -> '{key}' ELSE '{default}'::jsonb END"


_ESCALATIONS = (
    "CASE WHEN t.escalation_level > 1 THEN COALESCE((SELECT json_agg(json_build_object("
    "'level', e.data -> 'level', 'title', " + _key_or("title", '""') + ", 'trigger', " + _key_or("trigger", '""')
    + ", 'reason', " + _key_or("reason", '""') + ", 'at', " + _iso("e.created_at") + ") ORDER BY e.created_at, e.id) "
    f"FROM tickets_ticketevent e WHERE e.ticket_id = t.id AND e.kind = '{EventKind.ESCALATED.value}'), '[]') "
    "ELSE '[]' END"
)

# TicketSerializer.Meta.fields, in its order.
_ROW = _object([
    ("id", "t.id::text"), ("organization", _string("o.account_id")), ("subject", _string("t.subject")),
    ("description", _string("t.description")), ("severity", _string("t.severity")), ("status", _string("t.status")),
    ("channel", _string("t.channel")), ("environment", _string("t.environment")),
    ("affected_users", _string("t.affected_users")), ("business_impact", _string("t.business_impact")),
    ("already_tried", _string("t.already_tried")), ("queue", _string("t.queue")),
    ("component", _or_null(_string("c.name"))), ("incident", _or_null("t.incident_id::text")),
    ("requester", _string("u.username")), ("assignee", _or_null(_string("a.username"))),
    *((name, _time(f"f.{name}")) for name in ("created_at", "updated_at", "resolved_at", "response_due_at",
                                              "resolution_due_at")),
    ("escalation_level", "t.escalation_level::text"),
    ("sla", _object([("acknowledgement", _clock("ack")), ("response", _clock("response")),
                     ("resolution", _clock("resolution"))])),
    ("escalations", f"({_ESCALATIONS})::text"),
])

PAGE_SQL = f"""
SELECT r.row
FROM (SELECT %s::timestamptz AS now) k,
     unnest(ARRAY({{ids}})) WITH ORDINALITY AS p(id, n),
     LATERAL (
       SELECT {_ROW} AS row
       FROM tickets_ticket t
       JOIN accounts_organization o ON o.id = t.organization_id
       JOIN accounts_user u ON u.id = t.requester_id
       LEFT JOIN accounts_user a ON a.id = t.assignee_id
       LEFT JOIN status_component c ON c.id = t.component_id
       CROSS JOIN LATERAL (SELECT {", ".join(f"{_iso(f't.{name}')} AS {name}" for name in _TIMES)}) f
       WHERE t.id = p.id
     ) r
ORDER BY p.n
"""

assert Status.WAITING_ON_CUSTOMER.value == WAITING  # the SQL above spells the clocks' statuses


def supported() -> bool:
    return connection.vendor == "postgresql"


class TicketPage:
    """What the paginator slices in place of a queryset: a slice is the JSON text of those rows
    (one statement: the ORM's id query, with the caller's scope, filters and order, inside the
    constant one above); count() is the ids' count. Planned for its values each time: a search
    or a filter's best plan depends on them."""

    def __init__(self, queryset, now):
        self.ids = queryset.values_list("pk", flat=True)
        self.now = now

    def __getitem__(self, window: slice) -> list[str]:
        try:
            sql, params = self.ids[window].query.sql_with_params()
        except EmptyResultSet:  # a queryset known empty (none(): a user who may see nothing)
            return []
        return _page(PAGE_SQL.replace("{ids}", sql), [self.now, *params], prepare=False)

    def count(self) -> int:
        return self.ids.count()


class ScopePage:
    """TicketPage for the plain list (a scope, no search or filter, the default order), without
    building and compiling a queryset per request (~0.2 ms of a customer's ~2.8 ms): the ORM's
    SQL is compiled once per process for each kind of scope and window, with stand-in values,
    and the scope's own values are bound in their place. One plan fits every value (a scope's
    ids, the time), so the statement is prepared."""

    def __init__(self, scope: Scope, now):
        self.scope = scope
        self.now = now

    def __getitem__(self, window: slice) -> list[str]:
        if self.scope.kind == "none":  # the ORM's none(): no statement at all
            return []
        sql, params = self.statement(window)
        return _page(sql, [self.now, *params], prepare=True)

    def statement(self, window: slice) -> tuple[str, list]:
        """The page statement and the ids query's parameters (the page's time is bound before them)."""
        sql, slots = _scoped_page_sql(self.scope.kind, len(self.scope.values), window.start, window.stop)
        return sql, [self.scope.values[slot] if isinstance(slot, int) else slot.value for slot in slots]

    def count(self) -> int:
        return tickets_in_scope(self.scope).count()


class _Constant(NamedTuple):
    value: object


# Never a row's id (ids are positive): where the compiled SQL binds a scope's values.
_STAND_INS = (-1_000_000_001, -1_000_000_002)


@functools.lru_cache(maxsize=128)  # kinds × windows asked for (a page size and depth): bounded
def _scoped_page_sql(kind: str, arity: int, start: int, stop: int) -> tuple[str, tuple]:
    stand_in = Scope(kind, _STAND_INS[:arity])
    sql, params = tickets_in_scope(stand_in).values_list("pk", flat=True)[start:stop].query.sql_with_params()
    slots = tuple(_STAND_INS.index(p) if isinstance(p, int) and p in _STAND_INS else _Constant(p) for p in params)
    return PAGE_SQL.replace("{ids}", sql), slots


def _page(sql: str, params: list, *, prepare: bool) -> list[str]:
    with connection.cursor() as cursor, (prepared() if prepare else nullcontext()):
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def as_array(rows: list[str]) -> bytes:
    return ("[" + ",".join(rows) + "]").encode()
