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

from contextlib import nullcontext

from django.db import connection

from common.db import prepared

from .models import EventKind, Status
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


def _clock(clock: str) -> str:
    return (f"json_build_object('due_at', f.{clock}_due_at, 'state', {_state(clock)}, "
            f"'stopped_at', {_STOPPED_TEXT[clock]})")


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

PAGE_SQL = f"""
SELECT row_to_json(r)::text
FROM (SELECT %s::timestamptz AS now) k,
     unnest(ARRAY({{ids}})) WITH ORDINALITY AS p(id, n),
     LATERAL (
       SELECT t.id, o.account_id AS organization, t.subject, t.description, t.severity, t.status, t.channel,
              t.environment, t.affected_users, t.business_impact, t.already_tried, t.queue, c.name AS component,
              t.incident_id AS incident, u.username AS requester, a.username AS assignee,
              f.created_at, f.updated_at, f.resolved_at, f.response_due_at, f.resolution_due_at, t.escalation_level,
              json_build_object('acknowledgement', {_clock("ack")}, 'response', {_clock("response")},
                                'resolution', {_clock("resolution")}) AS sla,
              {_ESCALATIONS} AS escalations
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
    constant one above); count() is the ids' count."""

    def __init__(self, queryset, now, *, stable_plan: bool = False):
        self.ids = queryset.values_list("pk", flat=True)
        self.now = now
        # The plain scoped list (no search, no filter): one plan fits every value (a scope's id, the
        # time), so the statement is prepared. A search or a filter is planned for its values.
        self.stable_plan = stable_plan

    def __getitem__(self, window: slice) -> list[str]:
        sql, params = self.ids[window].query.sql_with_params()
        with connection.cursor() as cursor, (prepared() if self.stable_plan else nullcontext()):
            cursor.execute(PAGE_SQL.replace("{ids}", sql), [self.now, *params])
            return [row[0] for row in cursor.fetchall()]

    def count(self) -> int:
        return self.ids.count()


def as_array(rows: list[str]) -> bytes:
    return ("[" + ",".join(rows) + "]").encode()
