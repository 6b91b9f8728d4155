"""python manage.py ingest_email PATH... — .eml files, mbox files or Maildir folders."""
import mailbox
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from email_intake.models import Mailbox
from email_intake.batches import batches
from email_intake.services import email_ingest_many


def _messages(path: Path):
    """Raw bytes of every message at the path, untouched (no re-encoding by the mailbox module)."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise CommandError(f"{path} is a folder but not a Maildir (no cur/ or new/).")
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in box.iterkeys():
            yield f"{path}:{key}", box.get_bytes(key)
        return
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        box = mailbox.mbox(path, create=False)
        for key in box.iterkeys():
            yield f"{path}:{key}", box.get_bytes(key)
        return
    yield str(path), path.read_bytes()


class Command(BaseCommand):
    help = "Ingest inbound support mail from .eml files, mbox files or Maildir folders."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--mailbox", choices=Mailbox.values, default=Mailbox.SUPPORT)

    def handle(self, *args, paths, mailbox, **options):
        missing = [path for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {missing[0]}")
        failed, started = 0, timezone.now()
        for path in paths:
            for batch in batches(_messages(path)):
                results = email_ingest_many([raw for _, raw in batch], mailbox=mailbox)
                for (name, _), result in zip(batch, results):
                    if isinstance(result, Exception):
                        failed += 1
                        self.stderr.write(f"{name}: not stored ({type(result).__name__}: {result})")
                        continue
                    ticket = f" ticket #{result.ticket_id}" if result.ticket_id else ""
                    reason = f" ({result.reason})" if result.reason else ""
                    # A repeat (same Message-ID) is the first copy, stored before this run.
                    repeat = (f"already stored {timezone.localtime(result.received_at):%Y-%m-%d %H:%M %Z}: "
                              if result.received_at < started else "")
                    self.stdout.write(f"{name}: {repeat}{result.get_outcome_display()}{ticket}{reason}")
        if failed:
            raise CommandError(f"{failed} message(s) could not be stored; run the command again for them.")
