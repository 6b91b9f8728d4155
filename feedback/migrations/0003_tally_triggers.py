"""PostgreSQL keeps feedback's tallies current (docs/feedback.md, "Tallies").

Statement-level AFTER triggers with transition tables: one grouped upsert per writing statement,
whatever its row count (a bulk import of a million tickets costs one pass, not a million), and
none at all when a statement changes nothing the tallies count (the delta sums to zero). Rows are
upserted in key order, so two statements that touch the same tally rows lock them in the same
order and cannot deadlock each other.

The SQL is frozen here, as migrations are; ``feedback_rebuild_tallies()`` recounts everything
from the rows (the backfill below, the tests' check that the triggers agree with a recount, and
the `rebuild_tallies` command). SQLite: nothing is installed and the reader counts the rows.
"""
from django.db import migrations

CLOCKS = (("ack", "ack_due_at", "acknowledged_at"), ("response", "response_due_at", "first_response_at"),
          ("resolution", "resolution_due_at", "resolved_at"))
TICKET_SUMS = ["n"] + [f"{c}_{s}" for c, _, _ in CLOCKS for s in ("met", "late")]


def ticket_rows(source: str, sign: str, tier: str, join: str) -> str:
    """Each ticket's contribution: counted once, and each clock that stopped, in time or late."""
    clocks = []
    for name, due, stop in CLOCKS:
        stopped = f"t.{due} IS NOT NULL AND t.{stop} IS NOT NULL"
        clocks.append(f"{sign} * ({stopped} AND t.{stop} <= t.{due})::int AS {name}_met")
        clocks.append(f"{sign} * ({stopped} AND t.{stop} > t.{due})::int AS {name}_late")
    return (f"SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day, {tier} AS tier_id, t.severity, t.channel, "
            f"{sign} AS n, {', '.join(clocks)} FROM {source} t {join}")


def ticket_upsert(*parts: str) -> str:
    sums = ", ".join(f"sum({c})" for c in TICKET_SUMS)
    nonzero = " OR ".join(f"sum({c}) <> 0" for c in TICKET_SUMS)
    update = ", ".join(f"{c} = x.{c} + excluded.{c}" for c in TICKET_SUMS)
    return (f"INSERT INTO feedback_tickettally AS x (day, tier_id, severity, channel, {', '.join(TICKET_SUMS)}) "
            f"SELECT day, tier_id, severity, channel, {sums} FROM ({' UNION ALL '.join(parts)}) c "
            f"GROUP BY day, tier_id, severity, channel HAVING {nonzero} ORDER BY day, tier_id, severity, channel "
            f"ON CONFLICT (day, tier_id, severity, channel) DO UPDATE SET {update}")


ORG_TIER = "JOIN accounts_organization o ON o.id = t.organization_id"
DURATIONS = ((1, "first_response_at", "first_response_seconds"),
             (2, "first_response_at", "first_response_business_seconds"),
             (3, "resolved_at", "resolution_seconds"), (4, "resolved_at", "resolution_business_seconds"))


def duration_rows(source: str, sign: str) -> str:
    return " UNION ALL ".join(
        f"SELECT date_trunc('month', t.{at} AT TIME ZONE 'UTC')::date AS month, t.tier_id, {kind} AS kind, "
        f"feedback_bucket(t.{value}) AS bucket, {sign} AS n FROM {source} t "
        f"WHERE t.{at} IS NOT NULL AND t.{value} IS NOT NULL" for kind, at, value in DURATIONS)


def duration_upsert(*parts: str) -> str:
    return ("INSERT INTO feedback_durationtally AS x (month, tier_id, kind, bucket, n) "
            f"SELECT month, tier_id, kind, bucket, sum(n) FROM ({' UNION ALL '.join(parts)}) c "
            "GROUP BY month, tier_id, kind, bucket HAVING sum(n) <> 0 ORDER BY month, tier_id, kind, bucket "
            "ON CONFLICT (month, tier_id, kind, bucket) DO UPDATE SET n = x.n + excluded.n")


def reopen_rows(source: str, sign: str) -> str:
    return (f"SELECT (t.first_resolved_at AT TIME ZONE 'UTC')::date AS day, t.tier_id, 3 AS kind, "
            f"(t.reopen_count > 0)::int AS value, {sign} AS n FROM {source} t WHERE t.first_resolved_at IS NOT NULL")


def score_rows(kind: int, at: str):
    def rows(source: str, sign: str) -> str:
        return (f"SELECT (t.{at} AT TIME ZONE 'UTC')::date AS day, t.tier_id, {kind} AS kind, t.score AS value, "
                f"{sign} AS n FROM {source} t WHERE t.score IS NOT NULL AND t.{at} IS NOT NULL")
    return rows


def answer_upsert(*parts: str) -> str:
    return ("INSERT INTO feedback_answertally AS x (day, tier_id, kind, value, n) "
            f"SELECT day, tier_id, kind, value, sum(n) FROM ({' UNION ALL '.join(parts)}) c "
            "GROUP BY day, tier_id, kind, value HAVING sum(n) <> 0 ORDER BY day, tier_id, kind, value "
            "ON CONFLICT (day, tier_id, kind, value) DO UPDATE SET n = x.n + excluded.n")


def statement_triggers(table: str, name: str, upserts) -> list[str]:
    """AFTER INSERT / UPDATE / DELETE ... FOR EACH STATEMENT on `table`, each running its upserts
    on the statement's transition tables (new_rows, old_rows)."""
    sql = []
    for op, tables in (("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                       ("DELETE", "OLD TABLE AS old_rows")):
        parts = {"INSERT": [("new_rows", "1")], "UPDATE": [("new_rows", "1"), ("old_rows", "-1")],
                 "DELETE": [("old_rows", "-1")]}[op]
        body = ";\n".join(upsert(parts) for upsert in upserts)
        function = f"feedback_{name}_{op.lower()}"
        sql.append(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                   f"BEGIN\n{body};\nRETURN NULL;\nEND $$")
        sql.append(f"CREATE TRIGGER {function} AFTER {op} ON {table} REFERENCING {tables} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    return sql


TICKETS = [lambda parts: ticket_upsert(*(ticket_rows(s, sign, "o.tier_id", ORG_TIER) for s, sign in parts))]
TIMINGS = [lambda parts: duration_upsert(*(duration_rows(s, sign) for s, sign in parts)),
           lambda parts: answer_upsert(*(reopen_rows(s, sign) for s, sign in parts))]
RATINGS = [lambda parts: answer_upsert(*(score_rows(1, "rated_at")(s, sign) for s, sign in parts))]
NPS = [lambda parts: answer_upsert(*(score_rows(2, "answered_at")(s, sign) for s, sign in parts))]

# An organisation that changes tier takes its tickets' tallies along (the figures count a ticket
# under its organisation's current tier, as the rows-counting reader does).
TIER_MOVES = ("(SELECT n.id, n.tier_id AS new_tier, o.tier_id AS old_tier FROM new_rows n JOIN old_rows o "
              "ON o.id = n.id WHERE n.tier_id IS DISTINCT FROM o.tier_id)")
ORG_TIER_TRIGGER = [
    "CREATE OR REPLACE FUNCTION feedback_org_tier_update() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
    + ticket_upsert(ticket_rows("tickets_ticket", "1", "m.new_tier", f"JOIN {TIER_MOVES} m ON m.id = t.organization_id"),
                    ticket_rows("tickets_ticket", "-1", "m.old_tier", f"JOIN {TIER_MOVES} m ON m.id = t.organization_id"))
    + ";\nRETURN NULL;\nEND $$",
    "CREATE TRIGGER feedback_org_tier_update AFTER UPDATE ON accounts_organization "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION feedback_org_tier_update()",
]

REBUILD = (
    "CREATE OR REPLACE FUNCTION feedback_rebuild_tallies() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
    "TRUNCATE feedback_tickettally, feedback_durationtally, feedback_answertally;\n"
    + ";\n".join([
        ticket_upsert(ticket_rows("tickets_ticket", "1", "o.tier_id", ORG_TIER)),
        duration_upsert(duration_rows("feedback_tickettiming", "1")),
        answer_upsert(reopen_rows("feedback_tickettiming", "1"), score_rows(1, "rated_at")("feedback_ticketrating", "1"),
                      score_rows(2, "answered_at")("feedback_npssurvey", "1")),
    ])
    + ";\nEND $$"
)

BUCKET = (
    # 50 buckets per e-fold: each about 2 % wide, so placing a percentile exactly reads ~2 % of
    # the timings around it; 1 % read half as many but doubled the histograms (docs/performance.md).
    "CREATE OR REPLACE FUNCTION feedback_bucket(seconds double precision) RETURNS integer "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT floor(ln(1 + greatest(seconds, 0)) * 50)::integer $$"
)

# The timings in one bucket of one period, in order: where the reader reads a percentile's value.
INDEXES = [
    f"CREATE INDEX IF NOT EXISTS timing_bucket_{kind} ON feedback_tickettiming (feedback_bucket({value}), {at}) "
    f"INCLUDE ({value}, tier_id)" for kind, at, value in DURATIONS
] + [
    # The clocks still running: the only tickets the tallied reader reads row by row.
    "CREATE INDEX IF NOT EXISTS ticket_clock_running ON tickets_ticket (created_at) WHERE "
    + " OR ".join(f"({due} IS NOT NULL AND {stop} IS NULL)" for _, due, stop in CLOCKS)
]

INSTALL = [BUCKET, *INDEXES, REBUILD,
           *statement_triggers("tickets_ticket", "ticket_tally", TICKETS),
           *statement_triggers("feedback_tickettiming", "timing_tally", TIMINGS),
           *statement_triggers("feedback_ticketrating", "rating_tally", RATINGS),
           *statement_triggers("feedback_npssurvey", "nps_tally", NPS),
           *ORG_TIER_TRIGGER,
           "SELECT feedback_rebuild_tallies()"]

UNINSTALL = [
    *[f"DROP TRIGGER IF EXISTS feedback_{name}_{op} ON {table}"
      for table, name in (("tickets_ticket", "ticket_tally"), ("feedback_tickettiming", "timing_tally"),
                          ("feedback_ticketrating", "rating_tally"), ("feedback_npssurvey", "nps_tally"))
      for op in ("insert", "update", "delete")],
    "DROP TRIGGER IF EXISTS feedback_org_tier_update ON accounts_organization",
    *[f"DROP FUNCTION IF EXISTS feedback_{name}_{op}()"
      for name in ("ticket_tally", "timing_tally", "rating_tally", "nps_tally") for op in ("insert", "update", "delete")],
    "DROP FUNCTION IF EXISTS feedback_org_tier_update()",
    "DROP FUNCTION IF EXISTS feedback_rebuild_tallies()",
    "DROP INDEX IF EXISTS ticket_clock_running",
    *[f"DROP INDEX IF EXISTS timing_bucket_{kind}" for kind, _, _ in DURATIONS],
    "DROP FUNCTION IF EXISTS feedback_bucket(double precision)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)
    return run


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_tallies"),
        ("tickets", "0007_attachment_names_without_format_controls"),
        ("accounts", "0011_tier_contact_channels"),
    ]

    operations = [migrations.RunPython(_run(INSTALL), _run(UNINSTALL))]
