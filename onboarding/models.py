"""Enterprise onboarding (guide: "Enterprise Onboarding", "Ongoing Support", "Included
Services", "Professional Services", "Support Boundaries").

The guide's tables are data, seeded by migrations and edited in the admin: the plan template,
the professional-services catalogue and the scope categories. Every write goes through
`services.py`; reads for customers through `selectors.py`.
"""
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class OwnerRole(models.TextChoices):
    # Who answers for an activity; resolved to a person when a plan is made (services.py).
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    SUPPORT_ENGINEER = "support_engineer", "Dedicated support engineer"
    TECHNICAL_LEAD = "technical_lead", "Technical lead"
    CUSTOMER_IT = "customer_it", "Customer IT contact"


# --- the plan template (data) --------------------------------------------------------------------

class PlanTemplate(models.Model):
    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False, help_text="Used for plans made when an organisation becomes Enterprise.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                               name="one_default_plan_template")]

    def __str__(self):
        return self.name


class TemplateActivity(models.Model):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="activities")
    order = models.PositiveSmallIntegerField()
    phase = models.CharField(max_length=60, help_text='As the guide heads it, e.g. "Week 2: Integration".')
    phase_first_day = models.PositiveSmallIntegerField(
        help_text="Business day of the plan on which the phase's day 1 falls (Week 2 starts on day 6).")
    first_day = models.PositiveSmallIntegerField(help_text="Day within the phase, as the guide counts (1 = its first).")
    last_day = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    participants = models.CharField(max_length=200)
    owner_role = models.CharField(max_length=20, choices=OwnerRole.choices)

    class Meta:
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="uniq_template_activity_order"),
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")) & models.Q(first_day__gte=1)
                                   & models.Q(phase_first_day__gte=1), name="template_activity_days_ordered"),
        ]
        verbose_name_plural = "template activities"

    def __str__(self):
        return f"{self.phase} day {self.first_day}: {self.name}"

    @property
    def start_offset(self) -> int:
        """Business days after kickoff (day 1 of the plan) on which this activity starts."""
        return self.phase_first_day - 1 + self.first_day - 1

    @property
    def duration_days(self) -> int:
        return self.last_day - self.first_day + 1


# --- plans ---------------------------------------------------------------------------------------

class OnboardingPlan(models.Model):
    organization = models.OneToOneField("accounts.Organization", on_delete=models.CASCADE, related_name="onboarding_plan")
    template = models.ForeignKey(PlanTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kickoff_date = models.DateField()
    # The last day of the plan (full production deployment); the check-in cadence counts from it.
    go_live_date = models.DateField()
    technical_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        limit_choices_to={"is_staff": True}, help_text="Aragora's technical lead for this onboarding.")
    customer_it_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        limit_choices_to={"is_staff": False}, help_text="The customer's IT contact (a user of the organisation).")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text="Empty when made automatically on the move to Enterprise.")

    class Meta:
        ordering = ["kickoff_date", "id"]

    def __str__(self):
        return f"Onboarding of {self.organization.name}"


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    BLOCKED = "blocked", "Blocked"
    SKIPPED = "skipped", "Skipped"


FINISHED_ACTIVITY = [ActivityStatus.DONE, ActivityStatus.SKIPPED]


class PlanActivity(models.Model):
    plan = models.ForeignKey(OnboardingPlan, on_delete=models.CASCADE, related_name="activities")
    order = models.PositiveSmallIntegerField()
    phase = models.CharField(max_length=60)
    phase_first_day = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    participants = models.CharField(max_length=200)
    owner_role = models.CharField(max_length=20, choices=OwnerRole.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="onboarding_activities")
    # Dates are derived: kickoff + start_offset business days, for duration_days business days.
    # A slip changes the offsets (services.activity_reschedule); a moved kickoff only the dates.
    start_offset = models.PositiveSmallIntegerField()
    duration_days = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED)
    notes = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="uniq_plan_activity_order")]
        indexes = [
            # The admin's overdue flag and filter: activities past their end that are not finished.
            models.Index(fields=["end_date"], name="activity_open_end",
                         condition=~models.Q(status__in=["done", "skipped"])),
        ]
        verbose_name_plural = "plan activities"

    def __str__(self):
        return f"{self.name} ({self.start_date:%d %b})"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status not in FINISHED_ACTIVITY and self.end_date < today


# --- check-ins -----------------------------------------------------------------------------------

class CheckInKind(models.TextChoices):
    CHECKIN = "checkin", "Check-in"
    QBR = "qbr", "Quarterly business review"


class CheckInStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class CheckIn(models.Model):
    """One meeting of the ongoing cadence, generated ahead on a rolling horizon (tasks.py)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="checkins")
    slot = models.CharField(max_length=10, help_text='Place in the cadence: "w1" weekly, "b6" bi-weekly, "m4" monthly, "q1" QBR.')
    kind = models.CharField(max_length=10, choices=CheckInKind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="onboarding_checkins", help_text="The account manager.")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=CheckInStatus.choices, default=CheckInStatus.SCHEDULED)
    notes = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change: calendar clients replace an event when its SEQUENCE grows.
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "slot"], name="uniq_checkin_slot")]
        indexes = [
            models.Index(fields=["starts_at"], name="checkin_remind_due",
                         condition=models.Q(status="scheduled", reminded_at__isnull=True)),
        ]
        verbose_name = "check-in"

    def __str__(self):
        return f"{self.get_kind_display()} {self.organization.name} {self.starts_at:%Y-%m-%d}"


def new_feed_secret() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret iCalendar URL: of an organisation (its plan and meetings) or of an account manager
    (the meetings of every organisation they manage). Whoever holds the URL can read it."""

    organization = models.OneToOneField("accounts.Organization", null=True, blank=True, on_delete=models.CASCADE,
                                        related_name="calendar_feed")
    account_manager = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                           related_name="calendar_feed", limit_choices_to={"is_staff": True})
    secret = models.CharField(max_length=64, unique=True, default=new_feed_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(organization__isnull=False, account_manager__isnull=True)
                           | models.Q(organization__isnull=True, account_manager__isnull=False)),
                name="feed_has_one_owner"),
        ]

    def __str__(self):
        return f"Calendar of {self.organization.name if self.organization_id else self.account_manager}"


# --- included services ---------------------------------------------------------------------------

class IncludedServiceKind(models.TextChoices):
    ARCHITECTURE_REVIEW = "architecture_review", "Architecture review"
    TRAINING_SESSION = "training_session", "Training session"


class IncludedService(models.Model):
    """An Enterprise service included in the contract and owed on a cycle (guide: "Included
    Services": annual architecture review; training sessions)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="included_services")
    kind = models.CharField(max_length=30, choices=IncludedServiceKind.choices)
    interval_months = models.PositiveSmallIntegerField(default=12)
    last_done_on = models.DateField(null=True, blank=True)
    next_due_on = models.DateField()
    notes = models.TextField(blank=True)
    # The due date the account manager was last reminded of: one reminder per due date.
    reminded_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["next_due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="uniq_included_service")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.organization.name}"


# --- professional services -----------------------------------------------------------------------

class ServiceOffering(models.Model):
    """The guide's professional-services catalogue (Enterprise, at additional cost)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300)
    typical_duration = models.CharField(max_length=50, help_text='As the guide says, e.g. "2-4 weeks".')
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class EngagementStatus(models.TextChoices):
    SCOPING = "scoping", "Scoping"
    PROPOSAL = "proposal", "Proposal sent"
    ACCEPTED = "accepted", "Accepted"
    IN_PROGRESS = "in_progress", "In progress"
    DELIVERED = "delivered", "Delivered"
    DECLINED = "declined", "Declined"


ENGAGEMENT_STEPS = [EngagementStatus.SCOPING, EngagementStatus.PROPOSAL, EngagementStatus.ACCEPTED,
                    EngagementStatus.IN_PROGRESS, EngagementStatus.DELIVERED]


class EngagementRequest(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="engagements")
    offering = models.ForeignKey(ServiceOffering, on_delete=models.PROTECT, related_name="engagements")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=200)
    details = models.TextField()
    source_ticket = models.OneToOneField("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="engagement",
                                         help_text="The out-of-scope ticket this request was made from.")
    status = models.CharField(max_length=12, choices=EngagementStatus.choices, default=EngagementStatus.SCOPING)
    account_manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", limit_choices_to={"is_staff": True})
    # The proposal: required to leave scoping.
    estimate = models.CharField(max_length=100, blank=True, help_text='Effort, e.g. "3 weeks, 2 engineers".')
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"PS-{self.pk} {self.offering.name} for {self.organization.name}"


class EngagementStep(models.Model):
    """Each move of a request, with who and when: what the customer's timeline shows."""

    engagement = models.ForeignKey(EngagementRequest, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=12, choices=EngagementStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_status_display()} at {self.at:%Y-%m-%d %H:%M}"


# --- support boundaries --------------------------------------------------------------------------

class ScopeCategory(models.Model):
    """What a ticket is about, as the guide's "Support Boundaries" lists it: in scope or not."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    in_scope = models.BooleanField()
    explanation = models.TextField(blank=True, help_text="Out of scope: why, told to the customer in the reply.")
    suggested_offering = models.ForeignKey(
        ServiceOffering, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Out of scope: the professional service offered instead (Enterprise).")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-in_scope", "order", "name"]
        verbose_name_plural = "scope categories"

    def __str__(self):
        return f"{self.name} ({'in scope' if self.in_scope else 'out of scope'})"


class TicketScope(models.Model):
    """A ticket staff judged outside the guide's support boundaries, and under which category.

    Kept here, not on the ticket: support boundaries are this app's domain, and the ticket core
    knows no app above it (docs/architecture.md). One row per ticket; re-marking replaces it,
    and the ticket's event log keeps the history."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="scope")
    category = models.ForeignKey(ScopeCategory, on_delete=models.PROTECT, related_name="ticket_scopes")
    marked_at = models.DateTimeField()
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    def __str__(self):
        return f"#{self.ticket_id}: {self.category.name}"
