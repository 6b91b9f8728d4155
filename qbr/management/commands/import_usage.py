"""python manage.py import_usage FILE.csv: daily usage from a CSV file with the header
organization,date,metric,value. All rows or none: a bad row is named with its line number."""
import csv

from django.core.management.base import BaseCommand, CommandError

from qbr.usage import UsageRejected, UsageRow, usage_import

COLUMNS = ["organization", "date", "metric", "value"]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                if reader.fieldnames is None or [f.strip().lower() for f in reader.fieldnames] != COLUMNS:
                    raise CommandError(f"{file}: the first line must be the header {','.join(COLUMNS)}.")
                rows, problems = [], []
                for line, record in enumerate(reader, start=2):
                    if None in record or any(record.get(c) is None for c in reader.fieldnames):
                        problems.append(f"row {line}: expected {len(COLUMNS)} columns")
                        continue
                    values = [record[f] for f in reader.fieldnames]
                    rows.append((line, UsageRow(*[v.strip() for v in values])))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{file}: cannot be read as UTF-8 CSV ({exc}).") from exc
        if problems:
            raise CommandError("Nothing imported.\n" + "\n".join(problems))
        if not rows:
            raise CommandError(f"{file}: no rows under the header.")
        try:
            count = usage_import([r for _, r in rows], first_row=2)
        except UsageRejected as exc:
            raise CommandError("Nothing imported.\n" + "\n".join(exc.problems)) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {count} usage rows from {file}."))
