"""Full-text search kept by PostgreSQL: a stored, generated tsvector per ticket (subject weight A,
description weight B) and per message (its body), each with a GIN index. The database computes
them on every insert and update, whatever writes the row (services, COPY, the admin), so no code
path can leave a ticket unsearchable. They are not model fields: the ORM never selects them (a
vector can be larger than the row it indexes); `tickets.search` reads them by name.

`left(…, 100000)`: a tsvector is capped at 1 MB, and a value that would exceed it is an error, which
would refuse the write; the first 100,000 characters of a field are what gets indexed. SQLite (the
embedded demo) has no tsvector: this migration does nothing there and search falls back to LIKE.
"""
from django.db import migrations

FORWARD = [
    """ALTER TABLE tickets_ticket ADD COLUMN search_text tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector('english'::regconfig, coalesce(subject, '')), 'A')
         || setweight(to_tsvector('english'::regconfig, left(coalesce(description, ''), 100000)), 'B')) STORED""",
    "CREATE INDEX ticket_search_text ON tickets_ticket USING gin (search_text)",
    """ALTER TABLE tickets_message ADD COLUMN search tsvector GENERATED ALWAYS AS (
         to_tsvector('english'::regconfig, left(coalesce(body, ''), 100000))) STORED""",
    "CREATE INDEX message_search ON tickets_message USING gin (search)",
]
BACKWARD = [
    "ALTER TABLE tickets_message DROP COLUMN search",
    "ALTER TABLE tickets_ticket DROP COLUMN search_text",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_components_and_incidents_move_to_status")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
