"""The status domain (docs/status.md): the platform's components, incidents and planned
maintenance as customers see them on the status page, who subscribed to hear of them, and what
they cost each organisation in uptime and service credits. Knows no tickets: tickets reference
incidents and components, never the reverse."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class ComponentStatus(models.TextChoices):
    # Ordered from best to worst: the page shows the worst that applies (Statuspage's names).
    OPERATIONAL = "operational", "Operational"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"
    DEGRADED = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"


STATUS_RANK = {value: rank for rank, value in enumerate(ComponentStatus.values)}


class Component(models.Model):
    """A part of the Aragora platform: what a ticket can name, what the status page lists, what an
    incident affects and what an organisation's uptime is measured on."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the status page.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class Impact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


# Impacts that count as downtime for every component the incident names (docs/uptime.md).
DOWNTIME_IMPACTS = (Impact.MAJOR, Impact.CRITICAL)


class Incident(models.Model):
    """Something that went wrong, as customers are told of it. Opened by staff, by the API for
    monitoring systems, or by the ticket core's systemic-problem detection."""

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING)
    impact = models.CharField(max_length=10, choices=Impact.choices, default=Impact.MINOR)
    components = models.ManyToManyField(Component, through="IncidentComponent", related_name="incidents")
    # When it began and ended for customers: staff may correct both afterwards (the review);
    # uptime and credits are computed from these.
    started_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    postmortem = models.TextField(blank=True, help_text="Post-incident review: cause, fix, follow-ups (public).")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["started_at"], name="incident_started"),
                   models.Index(fields=["resolved_at"], name="incident_open", condition=Q(resolved_at__isnull=True))]
        constraints = [
            models.CheckConstraint(condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("started_at")),
                                   name="incident_ends_after_start"),
            models.CheckConstraint(condition=Q(resolved_at__isnull=True, status__in=[
                IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING])
                | Q(resolved_at__isnull=False, status=IncidentStatus.RESOLVED), name="incident_resolved_has_end"),
        ]

    def __str__(self):
        return f"Incident #{self.pk}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class IncidentComponent(models.Model):
    """A component an incident affects, with its status during the incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ComponentStatus.choices, default=ComponentStatus.DEGRADED)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "component"], name="incident_component_once")]


class IncidentUpdate(models.Model):
    """A public update on an incident's timeline, kept as it was published."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING)
    body = models.TextField()
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    @property
    def resolves(self) -> bool:
        return self.status == IncidentStatus.RESOLVED


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_MAINTENANCE = (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)


class MaintenanceWindow(models.Model):
    """Planned maintenance, announced to customers ahead of time (guide: "Proactive notifications
    for planned maintenance")."""

    title = models.CharField(max_length=200)
    description = models.TextField(help_text="What changes and what customers may notice during the window.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    components = models.ManyToManyField(Component, blank=True, related_name="maintenance_windows")
    organizations = models.ManyToManyField(
        "accounts.Organization", blank=True, related_name="maintenance_windows",
        help_text="Leave empty to tell every customer; otherwise only these organisations.",
    )
    status = models.CharField(max_length=12, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED)
    # A change of times after the announcement is a new revision, announced again as rescheduled;
    # the posts' keys carry it, so each revision is posted (and reminded) once.
    revision = models.PositiveIntegerField(default=1)
    announced_revision = models.PositiveIntegerField(default=0)
    reminded_revision = models.PositiveIntegerField(default=0)
    # When the current times were announced: maintenance announced long enough ahead is not
    # downtime (STATUS_MAINTENANCE_NOTICE_HOURS, docs/uptime.md).
    announced_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            # The reminder tick reads windows starting soon that were announced and not yet reminded.
            models.Index(fields=["starts_at"], name="maint_scheduled_start",
                         condition=Q(status=MaintenanceStatus.SCHEDULED)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="maint_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def announced(self) -> bool:
        return self.announced_revision > 0


class Subscriber(models.Model):
    """Someone who asked to hear of incidents and maintenance by email: confirmed by a signed link
    (double opt-in) before anything is sent; `components` empty means all of them."""

    email = models.EmailField(unique=True)
    components = models.ManyToManyField(Component, blank=True, related_name="subscribers")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["confirmed_at"], name="subscriber_confirmed",
                                condition=Q(confirmed_at__isnull=False))]

    def __str__(self):
        return self.email


# --- uptime and credits ---------------------------------------------------------------------------

class CreditSchedule(models.Model):
    """An uptime target and the credits owed below it: a tier's (Pro 99.5 %, Enterprise 99.9 %) or
    one negotiated with an organisation (its UptimeAgreement names it)."""

    name = models.CharField(max_length=100, unique=True)
    tier = models.OneToOneField("accounts.Tier", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="credit_schedule", help_text="Empty for a negotiated schedule.")
    target_percent = models.DecimalField(max_digits=6, decimal_places=3, validators=PERCENT)

    def __str__(self):
        return self.name


class CreditBand(models.Model):
    """A month's uptime in [lower, upper) owes credit_percent of the month's fee. A schedule's
    bands cover 0 up to its target with no gap and no overlap (status.uptime.check_bands)."""

    schedule = models.ForeignKey(CreditSchedule, on_delete=models.CASCADE, related_name="bands")
    lower_percent = models.DecimalField(max_digits=6, decimal_places=3, validators=PERCENT)
    upper_percent = models.DecimalField(max_digits=6, decimal_places=3, validators=PERCENT)
    credit_percent = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT)

    class Meta:
        ordering = ["-upper_percent"]
        constraints = [models.CheckConstraint(condition=Q(upper_percent__gt=F("lower_percent")),
                                              name="credit_band_not_empty")]


class UptimeAgreement(models.Model):
    """What an organisation's uptime is measured on: the components it uses (none chosen: all)
    and, for a Custom SLA, its negotiated schedule (else its tier's)."""

    organization = models.OneToOneField("accounts.Organization", on_delete=models.CASCADE, related_name="uptime")
    components = models.ManyToManyField(Component, blank=True, related_name="+",
                                        help_text="The components it uses; none chosen means all.")
    schedule = models.ForeignKey(CreditSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text="A negotiated target and credits; empty: the tier's.")

    def __str__(self):
        return f"Uptime of {self.organization}"


class ServiceCredit(models.Model):
    """One organisation's month: its uptime against its target and the credit it is owed,
    computed at month end (beat, once) from the incidents named in `incidents`."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="service_credits")
    month = models.DateField(help_text="The first day of the (UTC) month.")
    uptime_percent = models.DecimalField(max_digits=7, decimal_places=4)
    target_percent = models.DecimalField(max_digits=6, decimal_places=3, null=True)
    downtime_minutes = models.DecimalField(max_digits=9, decimal_places=2)
    excluded_maintenance_minutes = models.DecimalField(max_digits=9, decimal_places=2)
    credit_percent = models.DecimalField(max_digits=5, decimal_places=2)
    incidents = models.ManyToManyField(Incident, blank=True, related_name="+")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month", "organization"]
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="credit_once_a_month")]
