"""Writing usage: rows from the API or a CSV file, checked all together and upserted all together
(per organisation, day and metric), or none of them with the reason for each bad row."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization

from .models import DailyUsage, UsageMetric

PAID_TIERS = ("pro", "enterprise")  # the guide's monthly usage reports are Pro's and Enterprise's
MAX_VALUE = 10 ** 15


class UsageRejected(Exception):
    """Some rows are wrong; nothing was written. `problems`: "row N: why" for each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


@dataclass(frozen=True)
class UsageRow:
    organization: str  # account id
    date: object  # a date, or text as YYYY-MM-DD
    metric: str
    value: object


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return None


@transaction.atomic
def usage_import(rows: list[UsageRow], *, first_row: int = 1) -> int:
    """Upsert the rows; returns how many. Raises UsageRejected naming every bad row (numbered from
    `first_row`: 1 for the API's list, 2 for a CSV file under its header) and writes nothing."""
    accounts = {str(r.organization) for r in rows}
    organizations = {o.account_id: o for o in Organization.objects.filter(account_id__in=accounts)
                     .select_related("tier")}
    today = timezone.now().date()
    problems, keep = [], {}
    for n, row in enumerate(rows, start=first_row):
        why = []
        organization = organizations.get(str(row.organization))
        if organization is None:
            why.append(f"unknown organisation {str(row.organization)[:40]!r}")
        elif organization.tier.code not in PAID_TIERS:
            why.append(f"{organization.name} is on {organization.tier.name}, which has no usage reports")
        day = _date(row.date)
        if day is None:
            why.append("date must be YYYY-MM-DD")
        elif day > today:
            why.append(f"{day} is in the future")
        if row.metric not in UsageMetric.values:
            why.append(f"unknown metric {str(row.metric)[:40]!r} (one of {', '.join(UsageMetric.values)})")
        value = _int(row.value)
        if value is None:
            why.append("value must be a whole number")
        elif value < 0:
            why.append("value cannot be negative")
        elif value > MAX_VALUE:
            why.append("value is implausibly large")
        if why:
            problems.append(f"row {n}: " + "; ".join(why))
        else:
            keep[(organization.pk, day, row.metric)] = value  # a key sent twice: the last wins
    if problems:
        raise UsageRejected(problems)
    DailyUsage.objects.bulk_create(
        [DailyUsage(organization_id=o, date=d, metric=m, value=v) for (o, d, m), v in keep.items()],
        update_conflicts=True, unique_fields=["organization", "date", "metric"], update_fields=["value", "updated_at"],
        batch_size=2000)
    return len(keep)
