"""The ongoing cadence (check-ins and QBRs on a rolling horizon, with reminders), calendar
feeds, and the Enterprise included services with their due-date reminders."""
from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import require_staff
from common.links import absolute_url
from notifications.services import notification_enqueue_many

from .. import cadence
from ..meeting_days import add_months, meeting_calendar
from ..models import (
    CalendarFeed, CheckIn, CheckInKind, CheckInStatus, IncludedService, IncludedServiceKind, OnboardingPlan,
    new_feed_secret,
)

logger = logging.getLogger(__name__)

DURATION_MINUTES = {CheckInKind.CHECKIN: 30, CheckInKind.QBR: 60}  # the guide's QBR agenda is 5 parts, 60 min
# Guide: "Architecture Review: Annual security and performance review". It gives training no
# cadence; twice a year keeps new staff trained (docs/onboarding.md). Editable per organisation.
INCLUDED_INTERVAL_MONTHS = {IncludedServiceKind.ARCHITECTURE_REVIEW: 12, IncludedServiceKind.TRAINING_SESSION: 6}


# --- check-ins -----------------------------------------------------------------------------------

def _starts_at(day: date, owner) -> datetime:
    # Meetings are booked in the account manager's working day, wherever the customer is.
    try:
        zone = zoneinfo.ZoneInfo(getattr(owner, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    hour, minute = (int(part) for part in settings.ONBOARDING_CHECKIN_TIME.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(zoneinfo.ZoneInfo("UTC"))


def _window(today: date | None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today, today + timedelta(days=settings.ONBOARDING_CHECKIN_HORIZON_DAYS)


def _wanted(plan: OnboardingPlan, start: date, end: date) -> dict[str, CheckIn]:
    owner = plan.organization.account_manager
    return {
        o.slot: CheckIn(organization_id=plan.organization_id, slot=o.slot, kind=o.kind, owner=owner,
                        starts_at=_starts_at(o.day, owner), duration_minutes=DURATION_MINUTES[o.kind])
        for o in cadence.occurrences(plan.go_live_date, start, end, calendar=meeting_calendar())
    }


def checkins_generate(*, today: date | None = None) -> int:
    """Create the meetings of every plan dated from today to the horizon (beat, hourly).

    Idempotent: a slot is created once (unique per organisation), so reruns and concurrent runs
    add nothing. Rows never reach past the horizon; the next runs extend it as days pass.
    Returns how many rows were added.
    """
    start, end = _window(today)
    plans = OnboardingPlan.objects.filter(go_live_date__lte=end).select_related("organization__account_manager")
    rows = [row for plan in plans.iterator(chunk_size=500) for row in _wanted(plan, start, end).values()]
    if not rows:
        return 0
    have = set(CheckIn.objects.filter(organization_id__in={r.organization_id for r in rows}, starts_at__date__gte=start)
               .values_list("organization_id", "slot"))
    rows = [r for r in rows if (r.organization_id, r.slot) not in have]
    # ignore_conflicts: a concurrent run that added the same slot wins; neither fails.
    CheckIn.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


@transaction.atomic
def checkins_replan(*, plan: OnboardingPlan, today: date | None = None) -> None:
    """Go-live moved: the scheduled, future meetings follow it slot for slot (their calendar
    events keep their UID and are updated); slots that fall out of the window go."""
    start, end = _window(today)
    now = timezone.now()
    wanted = _wanted(OnboardingPlan.objects.select_related("organization__account_manager").get(pk=plan.pk), start, end)
    existing = {c.slot: c for c in CheckIn.objects.select_for_update().filter(organization_id=plan.organization_id)}
    changed, stale = [], []
    for slot, row in existing.items():
        if row.status != CheckInStatus.SCHEDULED or row.starts_at < now:
            continue  # held or cancelled meetings are history
        if slot not in wanted:
            stale.append(row.pk)
        elif wanted[slot].starts_at != row.starts_at:
            row.starts_at, row.reminded_at, row.sequence = wanted[slot].starts_at, None, row.sequence + 1
            changed.append(row)
    CheckIn.objects.filter(pk__in=stale).delete()
    CheckIn.objects.bulk_update(changed, ["starts_at", "reminded_at", "sequence"])
    CheckIn.objects.bulk_create([row for slot, row in wanted.items() if slot not in existing], ignore_conflicts=True)


@transaction.atomic
def checkin_update(*, checkin: CheckIn, actor, status: str | None = None, notes: str | None = None,
                   starts_at: datetime | None = None) -> CheckIn:
    require_staff(actor, "Only Aragora staff can change check-ins.")
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    fields = []
    if status is not None and status != checkin.status:
        if status not in CheckInStatus.values:
            raise ValidationError({"status": f"Unknown status {status!r}."})
        checkin.status = status
        fields.append("status")
    if notes is not None and notes != checkin.notes:
        checkin.notes = notes
        fields.append("notes")
    if starts_at is not None and starts_at != checkin.starts_at:
        if starts_at < timezone.now():
            raise ValidationError({"starts_at": "A meeting cannot be moved into the past."})
        checkin.starts_at, checkin.reminded_at = starts_at, None
        fields += ["starts_at", "reminded_at"]
    if fields:
        checkin.sequence += 1
        checkin.save(update_fields=[*fields, "sequence"])
        logger.info("onboarding: check-in %s %s changed by %s", checkin.pk, fields, actor)
    return checkin


QBR_AGENDA = ["Usage review (15 min)", "Performance metrics (15 min)", "Support review (10 min)",
              "Roadmap preview (10 min)", "Action items (10 min)"]


def _checkin_specs(checkin: CheckIn) -> list[dict]:
    organization = checkin.organization
    context = {
        "organization": organization.name, "account_id": organization.account_id, "kind": checkin.kind,
        "kind_label": checkin.get_kind_display(), "starts_at": checkin.starts_at.isoformat(),
        "duration_minutes": checkin.duration_minutes,
        "owner_name": checkin.owner.get_full_name() or checkin.owner.username if checkin.owner else "",
        "agenda": QBR_AGENDA if checkin.kind == CheckInKind.QBR else [],
        "portal_url": absolute_url("onboarding:plan"),
        "admin_url": absolute_url("admin:onboarding_checkin_change", checkin.pk),
    }
    specs = []
    recipients = [(checkin.owner, "staff")] if checkin.owner and checkin.owner.email else []
    recipients += [(admin, "customer") for admin in organization.members.filter(customer_role="admin", is_active=True)
                   .exclude(email="")]
    for person, audience in recipients:
        specs.append({
            "key": f"checkin_reminder:{checkin.pk}:{checkin.sequence}:email:{person.email}", "channel": "email",
            "recipient": person.email, "template": "checkin_reminder",
            "context": {**context, "audience": audience, "contact_name": person.first_name},
        })
    return specs


def checkin_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the account manager and the customer's admins of meetings in the next
    ONBOARDING_CHECKIN_REMINDER_HOURS (beat, hourly). Each meeting is claimed under a row lock
    and marked in the transaction that enqueues its messages: reminded once, by one worker."""
    now = now or timezone.now()
    until = now + timedelta(hours=settings.ONBOARDING_CHECKIN_REMINDER_HOURS)
    with transaction.atomic():
        due = list(
            CheckIn.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "owner")
            .filter(status=CheckInStatus.SCHEDULED, reminded_at__isnull=True, starts_at__gt=now, starts_at__lte=until)
            .order_by("starts_at")[:500]
        )
        if not due:
            return 0
        notification_enqueue_many(spec for checkin in due for spec in _checkin_specs(checkin))
        CheckIn.objects.filter(pk__in=[c.pk for c in due]).update(reminded_at=now)
    return len(due)


# --- calendar feeds ------------------------------------------------------------------------------

def calendar_feed_for_organization(organization) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(organization=organization)
    return feed


def calendar_feed_for_account_manager(user) -> CalendarFeed:
    if not user.is_staff:
        raise ValidationError("Account-manager feeds are for Aragora staff.")
    feed, _ = CalendarFeed.objects.get_or_create(account_manager=user)
    return feed


@transaction.atomic
def calendar_feed_rotate(*, feed: CalendarFeed, actor) -> CalendarFeed:
    """A new secret: the old URL stops working at once (a leaked link, someone who left)."""
    require_staff(actor, "Only Aragora staff can rotate calendar links.")
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    feed.secret, feed.rotated_at = new_feed_secret(), timezone.now()
    feed.save(update_fields=["secret", "rotated_at"])
    logger.info("onboarding: calendar feed %s rotated by %s", feed.pk, actor)
    return feed


# --- included services ---------------------------------------------------------------------------

def included_services_ensure(*, organization, start: date) -> list[IncludedService]:
    """The Enterprise included services of an organisation, first due one interval after `start`
    (go-live). A service never held follows a moved go-live; once held (or reminded of) its
    dates are the account manager's."""
    rows = []
    for kind, months in INCLUDED_INTERVAL_MONTHS.items():
        row, created = IncludedService.objects.get_or_create(
            organization=organization, kind=kind,
            defaults={"interval_months": months, "next_due_on": add_months(start, months)})
        if not created and row.last_done_on is None and row.reminded_for is None:
            due = add_months(start, row.interval_months)
            if due != row.next_due_on:
                row.next_due_on = due
                row.save(update_fields=["next_due_on"])
        rows.append(row)
    return rows


@transaction.atomic
def included_service_record(*, service: IncludedService, actor, done_on: date, notes: str = "") -> IncludedService:
    """The review or training happened: the next falls due one interval later."""
    require_staff(actor, "Only Aragora staff can record included services.")
    if not isinstance(done_on, date):
        raise ValidationError({"done_on": "The date it took place is required."})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": f"{done_on:%-d %b %Y} is in the future; record it once it has happened."})
    service = IncludedService.objects.select_for_update().get(pk=service.pk)
    if service.last_done_on and done_on < service.last_done_on:
        raise ValidationError({"done_on": f"The last one was on {service.last_done_on:%-d %b %Y}, after {done_on:%-d %b %Y}."})
    service.last_done_on = done_on
    service.next_due_on = add_months(done_on, service.interval_months)
    service.reminded_for = None
    if notes:
        service.notes = notes
    service.save()
    logger.info("onboarding: %s for %s held %s, next due %s (by %s)", service.kind, service.organization_id, done_on,
                service.next_due_on, actor)
    return service


def included_service_reminders_send(*, today: date | None = None) -> int:
    """Tell the account manager ONBOARDING_INCLUDED_REMINDER_DAYS before a service falls due (and
    once if it is overdue when first seen). Once per due date: recording it moves the date on."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.ONBOARDING_INCLUDED_REMINDER_DAYS)
    with transaction.atomic():
        due = [row for row in IncludedService.objects.select_for_update(skip_locked=True, of=("self",))
               .select_related("organization__account_manager").filter(next_due_on__lte=horizon)
               if row.reminded_for != row.next_due_on]
        specs = []
        for row in due:
            manager = row.organization.account_manager
            if not (manager and manager.email):
                logger.warning("onboarding: %s of %s is due %s but the organisation has no account manager",
                               row.kind, row.organization.name, row.next_due_on)
                continue
            specs.append({
                "key": f"included_service_due:{row.pk}:{row.next_due_on.isoformat()}:email:{manager.email}",
                "channel": "email", "recipient": manager.email, "template": "included_service_due",
                "context": {"audience": "staff", "contact_name": manager.first_name, "service": row.get_kind_display(),
                            "organization": row.organization.name, "account_id": row.organization.account_id,
                            "due_on": row.next_due_on.isoformat(), "overdue": row.next_due_on < today,
                            "last_done_on": row.last_done_on.isoformat() if row.last_done_on else "",
                            "admin_url": absolute_url("admin:onboarding_includedservice_change", row.pk)},
            })
            row.reminded_for = row.next_due_on
        notification_enqueue_many(specs)
        IncludedService.objects.bulk_update(due, ["reminded_for"])
    return len(specs)
