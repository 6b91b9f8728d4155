"""Writes of the QBR workflow: open a quarter's draft, make it final (freezing its figures),
take it back to draft."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization

from . import data as report_data
from .models import QBR_TIER, Qbr, QbrStatus


def qbr_problem(organization: Organization) -> str | None:
    if organization.tier.code != QBR_TIER:
        return f"QBRs are held with Enterprise organisations; {organization.name} is on {organization.tier.name}."
    return None


@transaction.atomic
def qbr_open(*, organization: Organization, year: int, quarter: int) -> Qbr:
    """The quarter's QBR, made as a draft the first time it is asked for."""
    problem = qbr_problem(organization)
    if problem:
        raise ValidationError(problem)
    qbr, _ = Qbr.objects.get_or_create(organization=organization, year=year, quarter=quarter)
    return qbr


@transaction.atomic
def qbr_finalize(*, qbr: Qbr, actor, now: dt.datetime | None = None) -> Qbr:
    """Draft -> final: the figures as they stand are frozen into the snapshot, so the deck the
    customer downloads is the one presented, whatever happens to the data after."""
    now = now or timezone.now()
    qbr = Qbr.objects.select_for_update(of=("self",)).select_related("organization__tier", "organization__account_manager") \
        .get(pk=qbr.pk)
    if qbr.status == QbrStatus.FINAL:
        raise ValidationError(f"{qbr} is final already.")
    snapshot = report_data.qbr_data(qbr, now=now)
    snapshot["final"] = True
    qbr.snapshot, qbr.status, qbr.finalized_at, qbr.finalized_by = snapshot, QbrStatus.FINAL, now, actor
    qbr.save(update_fields=["snapshot", "status", "finalized_at", "finalized_by", "updated_at"])
    return qbr


@transaction.atomic
def qbr_reopen(*, qbr: Qbr, actor) -> Qbr:
    """Final -> draft (to correct it): customers no longer see it until it is final again."""
    qbr = Qbr.objects.select_for_update().get(pk=qbr.pk)
    if qbr.status != QbrStatus.FINAL:
        raise ValidationError(f"{qbr} is a draft already.")
    qbr.status, qbr.snapshot, qbr.finalized_at, qbr.finalized_by = QbrStatus.DRAFT, None, None, None
    qbr.save(update_fields=["snapshot", "status", "finalized_at", "finalized_by", "updated_at"])
    return qbr


def qbr_drafts_for_quarter(*, year: int, quarter: int) -> int:
    """A draft for every Enterprise organisation (the beat, when a quarter ends), so account
    managers find them ready to edit; existing QBRs are left as they are."""
    organizations = Organization.objects.filter(tier__code=QBR_TIER).exclude(qbrs__year=year, qbrs__quarter=quarter)
    rows = [Qbr(organization_id=pk, year=year, quarter=quarter) for pk in organizations.values_list("pk", flat=True)]
    Qbr.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)
