"""Customer feedback (ticket ratings, NPS answers, feature requests), the stored durations the
team's figures are read from, and the monthly reviews those figures are frozen into."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class TicketTiming(models.Model):
    """A ticket's first response and resolution, in calendar and business seconds, written by the
    ticket-event subscriber when they happen (feedback.subscribers), so the figures aggregate
    stored numbers: business time needs the coverage calendar, which the database cannot compute.

    Organisation and tier are copied from the ticket when the row is made: figures are per tier
    the ticket was handled on, and the reader needs no join for them."""

    ticket = models.OneToOneField("tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    tier = models.ForeignKey("accounts.Tier", on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(max_length=2)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_seconds = models.FloatField(null=True, blank=True)
    first_response_business_seconds = models.FloatField(null=True, blank=True)
    # The latest resolution (a reopened ticket's is replaced when it is resolved again).
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_seconds = models.FloatField(null=True, blank=True)
    resolution_business_seconds = models.FloatField(null=True, blank=True)
    # The reopen rate counts, among the tickets first resolved in a period, those reopened since.
    first_resolved_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # Covering (PostgreSQL): the tallied reader buckets a cut month's timings from the index alone.
            models.Index(fields=["first_response_at"], name="timing_response_at",
                         include=["first_response_seconds", "first_response_business_seconds", "tier"]),
            models.Index(fields=["resolved_at"], name="timing_resolved_at",
                         include=["resolution_seconds", "resolution_business_seconds", "tier"]),
            models.Index(fields=["first_resolved_at"], name="timing_first_resolved_at"),
        ]

    def __str__(self):
        return f"timing of #{self.ticket_id}"


class TicketRating(models.Model):
    """"How did we do?" for one resolution of a ticket. A ticket reopened and resolved again gets
    a new round (the old rating stays as it was); within a round the requester may change their
    answer until the link expires."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField(default=1, help_text="Which resolution of the ticket this rates.")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    tier = models.ForeignKey("accounts.Tier", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", help_text="Who had the ticket when it was resolved.")
    score = models.PositiveSmallIntegerField(null=True, blank=True,
                                             validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    rated_at = models.DateTimeField(null=True, blank=True)
    changes = models.PositiveSmallIntegerField(default=0, help_text="How often the answer was changed.")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "round"], name="uniq_rating_per_resolution"),
            models.CheckConstraint(name="rating_score_1_to_5",
                                   condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5)),
        ]
        indexes = [models.Index(fields=["rated_at"], name="rating_rated_at",
                                condition=models.Q(score__isnull=False))]

    def __str__(self):
        return f"#{self.ticket_id} round {self.round}: {self.score or 'not rated'}"

    @property
    def is_low(self) -> bool:
        return self.score is not None and self.score <= 2


class SurveyRecipient(models.Model):
    """A contact's survey preference, kept by feedback (accounts' User is not ours to change)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="+")
    nps_opted_out = models.BooleanField(default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} ({'opted out' if self.nps_opted_out else 'surveyed'})"


class NpsSurvey(models.Model):
    """One quarter's "How likely are you to recommend Aragora?" to one contact."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    tier = models.ForeignKey("accounts.Tier", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    score = models.PositiveSmallIntegerField(null=True, blank=True,
                                             validators=[MinValueValidator(0), MaxValueValidator(10)])
    comment = models.TextField(blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-quarter", "-answered_at", "-id"]
        verbose_name = "NPS survey"
        constraints = [
            # The quarterly task is idempotent through this: a second run adds no one twice.
            models.UniqueConstraint(fields=["user", "year", "quarter"], name="uniq_nps_per_person_quarter"),
            models.CheckConstraint(name="nps_score_0_to_10",
                                   condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=10)),
        ]
        indexes = [models.Index(fields=["answered_at"], name="nps_answered_at",
                                condition=models.Q(score__isnull=False))]

    def __str__(self):
        return f"{self.year}-Q{self.quarter} {self.user}: {self.score if self.score is not None else 'no answer'}"


class FeatureStatus(models.TextChoices):
    NEW = "new", "New"
    UNDER_REVIEW = "under_review", "Under review"
    PLANNED = "planned", "Planned"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"


class FeatureRequest(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE,
                                     related_name="feature_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text="Who asked (a customer contact).")
    title = models.CharField(max_length=200)
    description = models.TextField()
    status = models.CharField(max_length=20, choices=FeatureStatus.choices, default=FeatureStatus.NEW)
    public_note = models.TextField(blank=True, help_text="Shown to the customer with the status.")
    source_ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", help_text="The ticket it was converted from, if any.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="feature_org_recent")]
        constraints = [models.UniqueConstraint(fields=["source_ticket"], name="uniq_feature_per_ticket",
                                               condition=models.Q(source_ticket__isnull=False))]

    def __str__(self):
        return f"FR-{self.pk} {self.title}"


class MonthlyReview(models.Model):
    """A month's figures frozen on the 1st of the next (beat), with the team's notes."""

    month = models.DateField(unique=True, help_text="The first day of the month reviewed.")
    figures = models.JSONField(help_text="The metrics reader's figures for the month, as frozen.")
    by_tier = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True, help_text="What the team concluded, and what it will change.")
    frozen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]

    def __str__(self):
        return f"Review of {self.month:%B %Y}"


# --- Tallies: the figures' counts, kept current by PostgreSQL (feedback.tallies) -----------------
# Triggers on the ticket, timing, rating and NPS tables add each row's contribution when it is
# written and take it back when it changes or goes, in the writing statement's transaction, so a
# year's figures read a few thousand tally rows instead of a million tickets. On SQLite (the
# embedded demo) the tables stay empty and the reader counts the rows themselves.

class _Tally(models.Model):
    # No foreign-key constraint: the triggers write these rows, and a tier is never deleted
    # (Tier is PROTECTed by the organisations and timings that name it).
    tier = models.ForeignKey("accounts.Tier", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    n = models.IntegerField(default=0)

    class Meta:
        abstract = True


class TicketTally(_Tally):
    """Tickets created on a UTC day, per their organisation's tier, severity and channel, with
    their clocks that stopped in time (met) and late; running clocks are read from the tickets."""

    day = models.DateField()
    severity = models.CharField(max_length=2)
    channel = models.CharField(max_length=10)
    ack_met = models.IntegerField(default=0)
    ack_late = models.IntegerField(default=0)
    response_met = models.IntegerField(default=0)
    response_late = models.IntegerField(default=0)
    resolution_met = models.IntegerField(default=0)
    resolution_late = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "tier", "severity", "channel"],
                                               name="uniq_ticket_tally")]


class DurationKind(models.IntegerChoices):
    FIRST_RESPONSE = 1, "first response, calendar"
    FIRST_RESPONSE_BUSINESS = 2, "first response, business"
    RESOLUTION = 3, "resolution, calendar"
    RESOLUTION_BUSINESS = 4, "resolution, business"


class DurationTally(_Tally):
    """How many durations of a kind fell in each bucket in a UTC month: a histogram in buckets 2 %
    wide (``feedback_bucket``), which locates a percentile's rank; its exact value is then read
    from the few timings in that bucket."""

    month = models.DateField()
    kind = models.PositiveSmallIntegerField(choices=DurationKind.choices)
    bucket = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "tier", "kind", "bucket"],
                                               name="uniq_duration_tally")]


class AnswerKind(models.IntegerChoices):
    CSAT = 1, "rating (value: score 1-5)"
    NPS = 2, "NPS answer (value: score 0-10)"
    REOPEN = 3, "first resolution (value: 1 if reopened since)"


class AnswerTally(_Tally):
    """Ratings, NPS answers and first resolutions per UTC day, tier and value."""

    day = models.DateField()
    kind = models.PositiveSmallIntegerField(choices=AnswerKind.choices)
    value = models.SmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "tier", "kind", "value"], name="uniq_answer_tally")]
