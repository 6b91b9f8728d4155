"""Recount feedback's tallies from the rows (PostgreSQL). The triggers keep them current; this is
for after a restore from a dump taken without them, or a write that bypassed triggers
(session_replication_role = replica)."""
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction


class Command(BaseCommand):
    help = "Recount the figures' tallies from the tickets, timings, ratings and NPS answers (PostgreSQL)."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The tallies are PostgreSQL's; on SQLite the figures count the rows directly.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT feedback_rebuild_tallies()")
        self.stdout.write("tallies recounted")
