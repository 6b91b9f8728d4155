"""python manage.py ingest_email PATH... — .eml files, mbox files or Maildir folders."""
import mailbox
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from email_intake.models import Mailbox
from email_intake.services import email_ingest


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
        for path in paths:
            if not path.exists():
                raise CommandError(f"No such file or folder: {path}")
            for name, raw in _messages(path):
                inbound = email_ingest(raw, mailbox=mailbox)
                ticket = f" ticket #{inbound.ticket_id}" if inbound.ticket_id else ""
                reason = f" ({inbound.reason})" if inbound.reason else ""
                self.stdout.write(f"{name}: {inbound.get_outcome_display()}{ticket}{reason}")
