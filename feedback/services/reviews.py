"""The monthly review (guide: "Monthly reviews ensure we meet our commitments"): on the 1st,
last month's figures are frozen into a record the team annotates. Idempotent: a month already
frozen is left as it is (its notes and its figures as they were then)."""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Tier

from .. import figures, metrics
from ..models import MonthlyReview


def monthly_review_freeze(*, today: dt.date | None = None, now: dt.datetime | None = None) -> MonthlyReview:
    today = today or timezone.now().date()
    first, last = figures.previous_month(today)
    existing = MonthlyReview.objects.filter(month=first).first()
    if existing:
        return existing
    now = now or timezone.now()
    scope = metrics.Scope(first, last)
    by_tier = {tier.code: metrics.compute(metrics.Scope(first, last, tier_id=tier.pk), now=now, fresh=True)
               for tier in Tier.objects.filter(ticket_portal=True)}
    try:
        with transaction.atomic():
            return MonthlyReview.objects.create(month=first, figures=metrics.compute(scope, now=now, fresh=True),
                                                by_tier=by_tier, frozen_at=now)
    except IntegrityError:  # two beats at once: the other froze it
        return MonthlyReview.objects.get(month=first)


def review_changes(review: MonthlyReview) -> list[dict]:
    """Each flat figure of a review beside the month before's, with the change."""
    previous = MonthlyReview.objects.filter(month=figures.add_months(review.month, -1)).first()
    now_row = metrics.flat(review.figures)
    before = metrics.flat(previous.figures) if previous else {}
    rows = []
    for column in metrics.FLAT_COLUMNS:
        value, previous = now_row[column], before.get(column)
        change = figures.change(value, previous)
        shown = _duration if column.endswith("_seconds") else (lambda v: v)
        rows.append({"name": column, "value": value, "previous": previous, "change": change,
                     "shown": [shown(value), shown(previous), shown(abs(change)) if change else change],
                     "higher_is_better": column in metrics.HIGHER_IS_BETTER})
    return rows


def _duration(seconds):
    return None if seconds is None else figures.format_duration(seconds)
