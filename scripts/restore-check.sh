#!/usr/bin/env bash
# A backup that has never been restored is a hope (docs/deploy.md, "Backups and restore").
# This seeds a small database and its files, backs them up the documented way (pg_dump -Fc, and
# an archive of MEDIA_ROOT), restores both into an EMPTY new database and directory, then checks:
#   - every table in the schema has the same number of rows in the copy as in the original
#   - every file a row names is in the restored files, byte for byte
#   - the app runs on the copy: `manage.py check --database default`, `migrate --check` (no
#     migration missing or unapplied), and the ORM's ticket count equals the original's
# and exits 1 on any mismatch. Both databases are dropped on exit. Runs in .ci/run (~30 s).
#
#   scripts/restore-check.sh       (PYTHON=.venv/bin/python, PG=postgres://postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
PREFIX=${RESTORE_DB_PREFIX:-aragora_restore}
SOURCE=${PREFIX}_src_$$ TARGET=${PREFIX}_dst_$$
WORK=$(mktemp -d /tmp/aragora-restore.XXXXXX)
die() { printf '\nRESTORE CHECK FAILED: %s\n' "$*" >&2; exit 1; }
for tool in pg_dump pg_restore "$PYTHON"; do command -v "$tool" >/dev/null || die "$tool not found"; done

db() {  # db SQL...: on the server's maintenance database
  "$PYTHON" - "$PG" "$@" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1] + "/postgres", autocommit=True) as c:
    for sql in sys.argv[2:]:
        c.execute(sql)
PY
}
cleanup() {
  local status=$?
  db "DROP DATABASE IF EXISTS \"$SOURCE\" WITH (FORCE)" "DROP DATABASE IF EXISTS \"$TARGET\" WITH (FORCE)" || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

# The app's settings for each side; only the database and the media directory differ.
export DJANGO_SETTINGS_MODULE=aragora_support.settings ARAGORA_DEMO=1 LOG_LEVEL=WARNING
export CELERY_BROKER_URL=memory://localhost/ CACHE_URL=locmemcache:// EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
unset AWS_STORAGE_BUCKET_NAME DATABASE_REPLICA_URL
side() {  # side src|dst CMD...: run with that side's database and files
  local name=$SOURCE
  [ "$1" = dst ] && name=$TARGET
  local side=$1; shift
  DATABASE_URL="$PG/$name" ARAGORA_VAR_DIR="$WORK/$side" MEDIA_ROOT="$WORK/$side/media" "$@"
}

echo "== seed $SOURCE (the demo, 20 organisations, 1,000 tickets, attachments)"
db "CREATE DATABASE \"$SOURCE\""
side src "$PYTHON" manage.py migrate -v0 --noinput
side src "$PYTHON" manage.py seed_demo >/dev/null
side src "$PYTHON" manage.py seed_demo --orgs 20 --tickets 1000 >/dev/null
# A few attachments, so the file half of the backup has something to carry.
side src "$PYTHON" manage.py shell -v0 -c "
from django.core.files.base import ContentFile
from tickets.models import Attachment, Ticket
for i, ticket in enumerate(Ticket.objects.order_by('pk')[:5]):
    Attachment.objects.create(ticket=ticket, uploaded_by=ticket.requester, filename=f'log-{i}.txt', size=6,
                              content_type='text/plain', file=ContentFile(b'line %d' % i, name=f'log-{i}.txt'))"

echo "== back up: pg_dump -Fc, and the media directory"
pg_dump -Fc --no-owner -f "$WORK/backup.dump" "$PG/$SOURCE"
tar -C "$WORK/src" -czf "$WORK/media.tar.gz" media
echo "   $(du -h "$WORK/backup.dump" | cut -f1) dump, $(du -h "$WORK/media.tar.gz" | cut -f1) files"

echo "== restore into an empty database $TARGET and an empty directory"
db "CREATE DATABASE \"$TARGET\" TEMPLATE template0"
pg_restore --no-owner --exit-on-error -d "$PG/$TARGET" "$WORK/backup.dump"
mkdir -p "$WORK/dst"
tar -C "$WORK/dst" -xzf "$WORK/media.tar.gz"

echo "== compare"
side src "$PYTHON" - "$PG/$SOURCE" "$PG/$TARGET" "$WORK/src/media" "$WORK/dst/media" <<'PY' || die "the copy differs"
import hashlib, sys
from pathlib import Path
import psycopg
source, target, src_media, dst_media = sys.argv[1:]

def counts(url):
    with psycopg.connect(url) as c:
        tables = [r[0] for r in c.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {t: c.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}

before, after = counts(source), counts(target)
bad = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
for table in bad:
    print(f"   MISMATCH {table}: {before.get(table)} rows, restored {after.get(table)}")
print(f"   {len(before)} tables, {sum(before.values())} rows; restored: {len(after)} tables, "
      f"{sum(after.values())} rows; {len(bad)} differ")

# Every file a row names (every FileField of every model), in the restored directory, the same bytes.
import django
django.setup()
from django.apps import apps
from django.db import models
names = []
for model in apps.get_models():
    for field in model._meta.get_fields():
        if isinstance(field, models.FileField):
            names += [n for n in model.objects.exclude(**{field.name: ""}).values_list(field.name, flat=True) if n]
missing = [n for n in names if not (Path(dst_media) / n).is_file()
           or hashlib.sha256((Path(dst_media) / n).read_bytes()).digest()
           != hashlib.sha256((Path(src_media) / n).read_bytes()).digest()]
print(f"   {len(names)} files named by rows; {len(missing)} missing or different in the restore")
if not before or bad or not names or missing:
    sys.exit(1)
PY

echo "== the app on the restored database"
side dst "$PYTHON" manage.py check --database default >/dev/null || die "manage.py check failed on the copy"
side dst "$PYTHON" manage.py migrate --check --plan >/dev/null || die "migrations differ on the copy"
want=$(side src "$PYTHON" manage.py shell -v0 -c "from tickets.models import Ticket; print(Ticket.objects.count())" | tail -n1)
got=$(side dst "$PYTHON" manage.py shell -v0 -c "from tickets.models import Ticket; print(Ticket.objects.count())" | tail -n1)
[ "$want" = "$got" ] || die "the app reads $got tickets from the copy, $want from the original"
echo "   check, migrate --check: clean; the ORM reads $got tickets from both"
echo "RESTORE CHECK PASSED"
