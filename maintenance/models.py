"""Planned maintenance windows, announced to customers ahead of time (guide: "Proactive
notifications for planned maintenance" in each Enterprise Slack Connect channel)."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class MaintenanceWindow(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(help_text="What changes and what customers may notice during the window.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    components = models.ManyToManyField("tickets.Component", blank=True, related_name="maintenance_windows")
    organizations = models.ManyToManyField(
        "accounts.Organization", blank=True, related_name="maintenance_windows",
        help_text="Leave empty to tell every customer; otherwise only these organisations.",
    )
    status = models.CharField(max_length=10, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED)
    # A change of times after the announcement is a new revision, announced again as rescheduled;
    # the posts' keys carry it, so each revision is posted (and reminded) once.
    revision = models.PositiveIntegerField(default=1)
    announced_revision = models.PositiveIntegerField(default=0)
    reminded_revision = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            # The reminder tick reads windows starting soon that were announced and not yet reminded.
            models.Index(fields=["starts_at"], name="maint_scheduled_start",
                         condition=models.Q(status=MaintenanceStatus.SCHEDULED)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="maint_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def announced(self) -> bool:
        return self.announced_revision > 0
