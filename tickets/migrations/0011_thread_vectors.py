"""The thread's words on the ticket row (issue 16): `tickets_ticket.search_replies` (public replies,
weight C) and `search_notes` (internal notes, weight D), kept by PostgreSQL whatever writes a
message (services, the admin, COPY, a bulk import), so a search tests one row per ticket and one
GIN index answers for subject, description and replies together (docs/search.md).

- `tickets_thread_vectors(t_lo, t_hi, m_lo, m_hi)`: the one definition of both vectors, per ticket
  of a ticket id range, from its messages of a message id range: the messages' stored `search`
  vectors (migration 0009) concatenated in id order. The trigger's recompute, the backfill below
  and `seed_demo` (demo/scale.py) all call it, so every path gives the same vectors.
- A cap, because a tsvector's lexemes may not pass 1 MB (an error that would refuse the reply,
  and the index expression concatenates three vectors): a kind's messages count, in id order,
  while their bodies (each at most the 100,000 characters 0009 indexes) add up to 120,000
  characters; later ones are stored but not indexed on the ticket. Text, replies and notes then
  hold at most ~340,000 characters of lexemes, a third of the limit.
- The trigger, AFTER each row of tickets_message: an insert APPENDS the new vector (`||` inside an
  UPDATE: a second reply committed meanwhile is in the row version the UPDATE re-reads, so two
  replies at once both stay); an edit of body / is_internal / ticket, or a delete, locks the
  ticket row and then RECOMPUTES it (the lock first, so the recompute's snapshot, taken after it,
  sees every message committed by a writer it waited for).
- `SET aragora.bulk_load = on` in a session skips the trigger: `seed_demo` loads messages by
  COPY before their tickets and computes the vectors per chunk with the function above.
- Two GIN expression indexes: `ticket_search_public` (text || replies: what a customer may match)
  and `ticket_search_all` (|| notes: staff). Exact answers from the index for both audiences,
  no weight-restricted query to rewrite and no recheck; docs/performance.md has their sizes.
  The per-field GIN indexes of 0009 (`ticket_search_text`, `message_search`) are no longer read
  by any query and are dropped; the columns stay (ranking, and the trigger's source).
SQLite: nothing (no tsvector); the LIKE fallback reads the messages.
"""
from django.db import migrations

CAP_CHARS = 120_000

FORWARD = [
    "ALTER TABLE tickets_ticket ADD COLUMN search_replies tsvector NOT NULL DEFAULT '', "
    "ADD COLUMN search_notes tsvector NOT NULL DEFAULT ''",
    # tsvector_concat is the function behind ||; PostgreSQL has no aggregate of it.
    "CREATE AGGREGATE tickets_tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')",
    f"""CREATE FUNCTION tickets_thread_vectors(t_lo bigint, t_hi bigint, m_lo bigint, m_hi bigint)
        RETURNS TABLE (ticket_id bigint, replies tsvector, notes tsvector) LANGUAGE sql STABLE AS $$
      SELECT m.ticket_id,
             setweight(coalesce(tickets_tsvector_agg(m.search ORDER BY m.id) FILTER (WHERE NOT m.is_internal), ''), 'C'),
             coalesce(tickets_tsvector_agg(m.search ORDER BY m.id) FILTER (WHERE m.is_internal), '')
        FROM (SELECT ticket_id, id, is_internal, search,
                     sum(least(octet_length(body), 100000))
                       OVER (PARTITION BY ticket_id, is_internal ORDER BY id) AS upto
                FROM tickets_message
               WHERE ticket_id BETWEEN t_lo AND t_hi AND id BETWEEN m_lo AND m_hi) m
       WHERE m.upto <= {CAP_CHARS}
       GROUP BY m.ticket_id
    $$""",
    f"""CREATE FUNCTION tickets_message_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      t bigint;
      tickets bigint[];
    BEGIN
      IF current_setting('aragora.bulk_load', true) = 'on' THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'INSERT' THEN
        IF (SELECT sum(least(octet_length(body), 100000)) FROM tickets_message
             WHERE ticket_id = NEW.ticket_id AND is_internal = NEW.is_internal AND id <= NEW.id) <= {CAP_CHARS} THEN
          IF NEW.is_internal THEN
            UPDATE tickets_ticket SET search_notes = search_notes || NEW.search WHERE id = NEW.ticket_id;
          ELSE
            UPDATE tickets_ticket SET search_replies = search_replies || setweight(NEW.search, 'C')
             WHERE id = NEW.ticket_id;
          END IF;
        END IF;
        RETURN NULL;
      END IF;
      IF TG_OP = 'UPDATE' THEN
        tickets := ARRAY[least(OLD.ticket_id, NEW.ticket_id), greatest(OLD.ticket_id, NEW.ticket_id)];
      ELSE
        tickets := ARRAY[OLD.ticket_id];
      END IF;
      -- Each ticket once, in id order (two writers lock in the same order).
      FOR t IN SELECT DISTINCT x FROM unnest(tickets) AS x ORDER BY x LOOP
        PERFORM 1 FROM tickets_ticket WHERE id = t FOR UPDATE;
        UPDATE tickets_ticket k
           SET search_replies = coalesce(v.replies, ''), search_notes = coalesce(v.notes, '')
          FROM (SELECT t AS id) one
          LEFT JOIN tickets_thread_vectors(t, t, 0, 9223372036854775807) v ON true
         WHERE k.id = one.id;
      END LOOP;
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER tickets_message_search AFTER INSERT OR DELETE OR UPDATE OF body, is_internal, ticket_id "
    "ON tickets_message FOR EACH ROW EXECUTE FUNCTION tickets_message_search_sync()",
]
INDEXES = [
    "CREATE INDEX ticket_search_public ON tickets_ticket USING gin ((search_text || search_replies))",
    "CREATE INDEX ticket_search_all ON tickets_ticket USING gin ((search_text || search_replies || search_notes))",
    "DROP INDEX IF EXISTS ticket_search_text",
    "DROP INDEX IF EXISTS message_search",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS message_search ON tickets_message USING gin (search)",
    "CREATE INDEX IF NOT EXISTS ticket_search_text ON tickets_ticket USING gin (search_text)",
    "DROP TRIGGER tickets_message_search ON tickets_message",
    "DROP FUNCTION tickets_message_search_sync()",
    "DROP FUNCTION tickets_thread_vectors(bigint, bigint, bigint, bigint)",
    "DROP AGGREGATE tickets_tsvector_agg(tsvector)",
    "DROP INDEX IF EXISTS ticket_search_all",
    "DROP INDEX IF EXISTS ticket_search_public",
    "ALTER TABLE tickets_ticket DROP COLUMN search_notes, DROP COLUMN search_replies",
]
BACKFILL_BATCH = 50_000


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in FORWARD:
        schema_editor.execute(sql)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM tickets_ticket WHERE id IN (SELECT ticket_id FROM tickets_message)")
        low, high = cursor.fetchone()
        # Existing threads, in ticket id ranges (each an index range scan of the messages).
        for start in range(low or 0, (high or -1) + 1, BACKFILL_BATCH):
            cursor.execute(
                "UPDATE tickets_ticket k SET search_replies = v.replies, search_notes = v.notes "
                "FROM tickets_thread_vectors(%s, %s, 0, 9223372036854775807) v WHERE k.id = v.ticket_id",
                [start, start + BACKFILL_BATCH - 1])
    for sql in INDEXES:  # after the backfill: one build instead of a million index updates
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in BACKWARD:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_queue_order")]
    operations = [migrations.RunPython(forward, backward)]
