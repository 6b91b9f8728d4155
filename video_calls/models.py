from django.conf import settings
from django.db import models
from django.utils import timezone


class Purpose(models.TextChoices):
    # Guide, "Video Calls (Enterprise Only)": used for these three.
    ARCHITECTURE_REVIEW = "architecture_review", "Architecture review"
    ONBOARDING = "onboarding", "Onboarding"
    QBR = "qbr", "Quarterly business review"


class CallStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class VideoCall(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="video_calls")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    preferred_times = models.CharField(max_length=300, help_text="When suits the customer.")
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.REQUESTED)
    starts_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    link = models.URLField(blank=True, help_text="The meeting link.")
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE: bumped on each reschedule.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_purpose_display()} with {self.organization.name}"
