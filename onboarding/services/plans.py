"""Onboarding plans: made from the template with real business-day dates, reflowed when the
kickoff moves or an activity slips."""
from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.roles import require_staff

from ..meeting_days import (
    add_business_days, business_days_between, is_business_day, next_business_day, why_not_a_business_day,
)
from ..models import (
    FINISHED_ACTIVITY, ActivityStatus, OnboardingPlan, OwnerRole, PlanActivity, PlanTemplate,
)

logger = logging.getLogger(__name__)
UNSET = object()

STAFF_ONLY = "Only Aragora staff can change onboarding plans."


def _check_working_day(value: date, *, field: str, what: str, today: date) -> None:
    if value < today:
        raise ValidationError({field: f"{what} {value:%a %-d %b %Y} is in the past; choose today or a later date."})
    if not is_business_day(value):
        _refuse_non_business_day(value, field=field, what=what)


def _refuse_non_business_day(value: date, *, field: str, what: str) -> None:
    raise ValidationError({field: f"{what} {value:%a %-d %b %Y} {why_not_a_business_day(value)}; onboarding runs "
                                  f"on business days (Monday to Friday, except public holidays)."})


def _enterprise_only(organization: Organization) -> None:
    from .engagements import is_enterprise

    if not is_enterprise(organization):
        raise ValidationError(f"Onboarding plans are part of Enterprise support; {organization.name} is on "
                              f"{organization.tier.name}.")


def _owner_for(role: str, plan: OnboardingPlan):
    organization = plan.organization
    return {
        OwnerRole.ACCOUNT_MANAGER: organization.account_manager,
        OwnerRole.SUPPORT_ENGINEER: organization.support_engineer,
        OwnerRole.TECHNICAL_LEAD: plan.technical_lead,
        OwnerRole.CUSTOMER_IT: plan.customer_it_contact,
    }.get(role)


def _apply_dates(plan: OnboardingPlan, activities: list[PlanActivity]) -> bool:
    """Dates from the kickoff and each activity's offsets; returns whether go-live moved."""
    for activity in activities:
        activity.start_date = add_business_days(plan.kickoff_date, activity.start_offset)
        activity.end_date = add_business_days(activity.start_date, activity.duration_days - 1)
    go_live = max((a.end_date for a in activities), default=plan.kickoff_date)
    moved = go_live != plan.go_live_date
    plan.go_live_date = go_live
    return moved


def _check_contact(plan_or_org: Organization, customer_it_contact) -> None:
    if customer_it_contact is not None and customer_it_contact.organization_id != plan_or_org.pk:
        raise ValidationError({"customer_it_contact": "The IT contact must be a user of the customer's organisation."})


def check_new_plan(*, organization: Organization, kickoff_date, technical_lead=None, customer_it_contact=None) -> None:
    """Why a plan cannot be made (ValidationError), or nothing. The admin's form asks first."""
    _enterprise_only(organization)
    if OnboardingPlan.objects.filter(organization=organization).exists():
        raise ValidationError(f"{organization.name} has an onboarding plan already; move its kickoff instead.")
    if not isinstance(kickoff_date, date):
        raise ValidationError({"kickoff_date": "A kickoff date is required."})
    _check_working_day(kickoff_date, field="kickoff_date", what="The kickoff date", today=timezone.localdate())
    if technical_lead is not None and not technical_lead.is_staff:
        raise ValidationError({"technical_lead": "The technical lead is a member of Aragora staff."})
    _check_contact(organization, customer_it_contact)


@transaction.atomic
def plan_create(*, organization: Organization, kickoff_date: date, actor=None, template: PlanTemplate | None = None,
                technical_lead=None, customer_it_contact=None) -> OnboardingPlan:
    """Make an organisation's plan from the template. `actor` None is the system (the move to
    Enterprise); anyone else must be staff."""
    if actor is not None:
        require_staff(actor, STAFF_ONLY)
    organization = Organization.objects.select_for_update(of=("self",)).select_related(
        "tier", "account_manager", "support_engineer").get(pk=organization.pk)
    check_new_plan(organization=organization, kickoff_date=kickoff_date, technical_lead=technical_lead,
                   customer_it_contact=customer_it_contact)
    template = template or PlanTemplate.objects.filter(is_default=True).first()
    if template is None:
        raise ValidationError("There is no default onboarding template; mark one as default in the admin.")
    steps = list(template.activities.all())
    if not steps:
        raise ValidationError(f"The template {template.name!r} has no activities.")

    plan = OnboardingPlan(organization=organization, template=template, kickoff_date=kickoff_date,
                          go_live_date=kickoff_date, technical_lead=technical_lead,
                          customer_it_contact=customer_it_contact, created_by=actor)
    activities = [
        PlanActivity(order=step.order, phase=step.phase, phase_first_day=step.phase_first_day, name=step.name,
                     participants=step.participants, owner_role=step.owner_role, start_offset=step.start_offset,
                     duration_days=step.duration_days)
        for step in steps
    ]
    _apply_dates(plan, activities)
    plan.save()
    for activity in activities:
        activity.plan = plan
        activity.owner = _owner_for(activity.owner_role, plan)
    PlanActivity.objects.bulk_create(activities)

    from .checkins import calendar_feed_for_organization, included_services_ensure

    included_services_ensure(organization=organization, start=plan.go_live_date)
    calendar_feed_for_organization(organization)
    logger.info("onboarding: plan for %s (%s) kicks off %s, go-live %s (by %s)", organization.name,
                organization.account_id, plan.kickoff_date, plan.go_live_date, actor or "system")
    return plan


def default_kickoff(today: date | None = None) -> date:
    """A plan made on the move to Enterprise kicks off this many business days out, leaving the
    account manager time to book the welcome call; they move it as agreed with the customer."""
    today = next_business_day(today or timezone.localdate())
    return add_business_days(today, settings.ONBOARDING_KICKOFF_LEAD_BUSINESS_DAYS)


def plan_create_on_upgrade(*, organization: Organization) -> OnboardingPlan | None:
    """The move to Enterprise (signals.py): a plan with the default kickoff, unless one exists."""
    if OnboardingPlan.objects.filter(organization=organization).exists():
        return None
    if not PlanTemplate.objects.filter(is_default=True).exists():
        logger.warning("onboarding: no default template; no plan made for %s", organization.name)
        return None
    return plan_create(organization=organization, kickoff_date=default_kickoff())


def _locked_plan(plan: OnboardingPlan) -> tuple[OnboardingPlan, list[PlanActivity]]:
    plan = OnboardingPlan.objects.select_for_update(of=("self",)).select_related("organization").get(pk=plan.pk)
    return plan, list(plan.activities.select_for_update().order_by("order"))


def _save_schedule(plan: OnboardingPlan, activities: list[PlanActivity], go_live_moved: bool) -> None:
    PlanActivity.objects.bulk_update(activities, ["start_offset", "duration_days", "start_date", "end_date"])
    plan.save(update_fields=["kickoff_date", "go_live_date"])
    if go_live_moved:
        from .checkins import checkins_replan, included_services_ensure

        checkins_replan(plan=plan)
        included_services_ensure(organization=plan.organization, start=plan.go_live_date)


def check_kickoff_move(*, plan: OnboardingPlan, kickoff_date, activities=None) -> None:
    if not isinstance(kickoff_date, date):
        raise ValidationError({"kickoff_date": "A kickoff date is required."})
    _check_working_day(kickoff_date, field="kickoff_date", what="The new kickoff date", today=timezone.localdate())
    activities = activities if activities is not None else list(plan.activities.all())
    started = [a for a in activities if a.status in (ActivityStatus.IN_PROGRESS, ActivityStatus.DONE)]
    if started:
        raise ValidationError({"kickoff_date": f"“{started[0].name}” is already {started[0].get_status_display().lower()}; "
                                               f"the kickoff can only move before work starts. Reschedule the "
                                               f"activity that slipped instead."})


@transaction.atomic
def plan_move_kickoff(*, plan: OnboardingPlan, kickoff_date: date, actor) -> OnboardingPlan:
    """Every activity keeps its place in the plan and moves with the kickoff."""
    require_staff(actor, STAFF_ONLY)
    plan, activities = _locked_plan(plan)
    if kickoff_date == plan.kickoff_date:
        return plan
    check_kickoff_move(plan=plan, kickoff_date=kickoff_date, activities=activities)
    old = plan.kickoff_date
    plan.kickoff_date = kickoff_date
    _save_schedule(plan, activities, _apply_dates(plan, activities))
    logger.info("onboarding: %s kickoff moved %s -> %s by %s", plan.organization.name, old, kickoff_date, actor)
    return plan


def check_reschedule(*, activity: PlanActivity, plan: OnboardingPlan, start_date, end_date=None) -> date:
    """Why these dates are refused (ValidationError); else the end date (kept duration if none)."""
    if activity.status in FINISHED_ACTIVITY:
        raise ValidationError(f"“{activity.name}” is {activity.get_status_display().lower()}; it has no dates to move.")
    if not isinstance(start_date, date):
        raise ValidationError({"start_date": "A start date is required."})
    end_date = end_date or (add_business_days(start_date, activity.duration_days - 1)
                            if is_business_day(start_date) else start_date)
    today = timezone.localdate()
    for value, field, what in ((start_date, "start_date", "The start date"), (end_date, "end_date", "The end date")):
        if not is_business_day(value):
            _refuse_non_business_day(value, field=field, what=what)
    if start_date != activity.start_date and start_date < today:
        raise ValidationError({"start_date": f"The start date {start_date:%a %-d %b %Y} is in the past."})
    if end_date != activity.end_date and end_date < today:
        raise ValidationError({"end_date": f"The end date {end_date:%a %-d %b %Y} is in the past."})
    if end_date < start_date:
        raise ValidationError({"end_date": "The end date is before the start date."})
    if start_date < plan.kickoff_date:
        raise ValidationError({"start_date": f"The plan kicks off on {plan.kickoff_date:%a %-d %b %Y}; move the "
                                             f"kickoff to start earlier."})
    return end_date


@transaction.atomic
def activity_reschedule(*, activity: PlanActivity, actor, start_date: date, end_date: date | None = None) -> PlanActivity:
    """Give an activity new dates (a slip). When it now ends later, every unfinished activity
    after it moves by as many business days, so the plan's order holds; ending earlier pulls
    nothing forward (the customer's team has booked those days)."""
    require_staff(actor, STAFF_ONLY)
    plan, activities = _locked_plan(activity.plan)
    activity = next(a for a in activities if a.pk == activity.pk)
    end_date = check_reschedule(activity=activity, plan=plan, start_date=start_date, end_date=end_date)
    old_end = activity.start_offset + activity.duration_days
    activity.start_offset = business_days_between(plan.kickoff_date, start_date)
    activity.duration_days = business_days_between(start_date, end_date) + 1
    slip = activity.start_offset + activity.duration_days - old_end
    moved = []
    if slip > 0:
        for follower in activities:
            if follower.order > activity.order and follower.status in (ActivityStatus.PLANNED, ActivityStatus.BLOCKED):
                follower.start_offset += slip
                moved.append(follower.name)
    _save_schedule(plan, activities, _apply_dates(plan, activities))
    logger.info("onboarding: %s “%s” rescheduled to %s-%s by %s; %d business day(s) slip moved %s",
                plan.organization.name, activity.name, start_date, end_date, actor, max(slip, 0), moved or "nothing")
    return activity


@transaction.atomic
def activity_update(*, activity: PlanActivity, actor, status: str | None = None, notes: str | None = None,
                    owner=UNSET) -> PlanActivity:
    require_staff(actor, STAFF_ONLY)
    activity = PlanActivity.objects.select_for_update().get(pk=activity.pk)
    changed = []
    if status is not None and status != activity.status:
        if status not in ActivityStatus.values:
            raise ValidationError({"status": f"Unknown status {status!r}; use one of {', '.join(ActivityStatus.values)}."})
        if status == ActivityStatus.BLOCKED and not (notes or activity.notes).strip():
            raise ValidationError({"notes": "Say what blocks the activity, so its owner can act on it."})
        activity.status = status
        activity.finished_at = timezone.now() if status in FINISHED_ACTIVITY else None
        changed += ["status", "finished_at"]
    if notes is not None and notes != activity.notes:
        activity.notes = notes
        changed.append("notes")
    if owner is not UNSET and (owner.pk if owner else None) != activity.owner_id:
        if owner is not None and not owner.is_staff and owner.organization_id != activity.plan.organization_id:
            raise ValidationError({"owner": "The owner is Aragora staff or a user of the customer's organisation."})
        activity.owner = owner
        changed.append("owner")
    if changed:
        activity.save(update_fields=changed)
        logger.info("onboarding: activity %s (%s) %s changed by %s", activity.pk, activity.name, changed, actor)
    return activity


@transaction.atomic
def plan_set_contacts(*, plan: OnboardingPlan, actor, technical_lead=UNSET, customer_it_contact=UNSET) -> OnboardingPlan:
    """Name the technical lead or the customer's IT contact; their activities without another
    owner pass to them."""
    require_staff(actor, STAFF_ONLY)
    plan = OnboardingPlan.objects.select_for_update(of=("self",)).select_related("organization").get(pk=plan.pk)
    for field, role, person in (("technical_lead", OwnerRole.TECHNICAL_LEAD, technical_lead),
                                ("customer_it_contact", OwnerRole.CUSTOMER_IT, customer_it_contact)):
        if person is UNSET or (person.pk if person else None) == getattr(plan, f"{field}_id"):
            continue
        if field == "technical_lead" and person is not None and not person.is_staff:
            raise ValidationError({field: "The technical lead is a member of Aragora staff."})
        if field == "customer_it_contact":
            _check_contact(plan.organization, person)
        previous = getattr(plan, f"{field}_id")
        setattr(plan, field, person)
        plan.save(update_fields=[field])
        plan.activities.filter(owner_role=role, owner_id=previous).update(owner=person)
    return plan
