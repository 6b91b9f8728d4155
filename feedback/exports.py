"""The figures as CSV: one row per month and a row for the whole period, the metrics reader's
flat columns (seconds for durations, percent for shares)."""
import csv

from django.http import HttpResponse

from . import metrics


def csv_response(total: dict, months: list, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["month", *metrics.FLAT_COLUMNS])
    for month, fig in months:
        row = metrics.flat(fig)
        writer.writerow([month.strftime("%Y-%m"), *("" if row[c] is None else row[c] for c in metrics.FLAT_COLUMNS)])
    row = metrics.flat(total)
    writer.writerow(["total", *("" if row[c] is None else row[c] for c in metrics.FLAT_COLUMNS)])
    return response
