"""Usage, QBR decks and monthly usage reports (docs/usage.md). Usage is each organisation's daily
consumption of the platform, as the platform reports it: the figures QBR decks and monthly
reports chart."""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


QBR_TIER = "enterprise"  # the guide: Quarterly Reviews are an Enterprise service


class UsageMetric(models.TextChoices):
    DEBATES = "debates", "Debates conducted"
    TOKENS = "tokens", "Tokens consumed"
    API_CALLS = "api_calls", "API calls"


class DailyUsage(models.Model):
    """One organisation's one metric on one UTC day; re-sent figures replace the old ones."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="usage")
    date = models.DateField()
    metric = models.CharField(max_length=20, choices=UsageMetric.choices)
    value = models.BigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "date", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "date", "metric"], name="usage_once_a_day"),
            models.CheckConstraint(condition=Q(value__gte=0), name="usage_not_negative"),
        ]


# --- QBR decks -----------------------------------------------------------------------------------

class QbrStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINAL = "final", "Final"


class Qbr(models.Model):
    """One Enterprise organisation's quarterly business review (the guide's agenda). Its figures
    fill themselves from the data while it is a draft; finalising freezes them (`snapshot`), so
    the deck a customer downloads later is the deck that was presented. The account manager
    writes the narrative, the roadmap and the next steps."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="qbrs")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=QbrStatus.choices, default=QbrStatus.DRAFT)
    summary = models.TextField(blank=True, help_text="Executive summary, on the title slide.")
    upcoming_features = models.TextField(blank=True, help_text="Roadmap Preview: one feature a line.")
    beta_opportunities = models.TextField(blank=True, help_text="Roadmap Preview: one beta programme a line.")
    next_steps = models.TextField(blank=True, help_text="Action Items: one step a line, e.g. 'Owner: what, by when'.")
    snapshot = models.JSONField(null=True, blank=True, editable=False,
                                help_text="The figures as they were when the deck was made final.")
    finalized_at = models.DateTimeField(null=True, blank=True, editable=False)
    finalized_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-quarter", "organization__name"]
        verbose_name = "QBR"
        verbose_name_plural = "QBRs"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "quarter"], name="qbr_once_a_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="qbr_quarter_1_to_4"),
            models.CheckConstraint(condition=Q(status="draft") | Q(snapshot__isnull=False, finalized_at__isnull=False),
                                   name="qbr_final_has_snapshot"),
        ]

    def __str__(self):
        return f"QBR {self.year} Q{self.quarter} {self.organization.name}"

    def clean(self):
        if self.organization_id and self.organization.tier.code != QBR_TIER:
            raise ValidationError({"organization": f"QBRs are held with Enterprise organisations; "
                                                   f"{self.organization.name} is on {self.organization.tier.name}."})

    @property
    def period(self) -> str:
        return f"{self.year}-Q{self.quarter}"


# --- monthly usage reports -----------------------------------------------------------------------

class UsageReport(models.Model):
    """Last month's usage report of one Pro or Enterprise organisation: the row exists once per
    organisation and month (the unique constraint is what makes the beat's run exactly-once), and
    `mailed_at` is claimed once when its PDF is first ready."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="usage_reports")
    month = models.DateField(help_text="The first day of the month reported.")
    created_at = models.DateTimeField(auto_now_add=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="usage_report_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="usage_report_month_start"),
        ]
        indexes = [models.Index(fields=["created_at"], name="usage_report_unmailed",
                                condition=Q(mailed_at__isnull=True))]

    def __str__(self):
        return f"Usage report {self.month:%Y-%m} {self.organization.name}"

    @property
    def period(self) -> str:
        return f"{self.month:%Y-%m}"


# --- rendered PDFs -------------------------------------------------------------------------------

class ReportKind(models.TextChoices):
    QBR = "qbr", "QBR deck"
    USAGE = "usage", "Monthly usage report"


class RenderStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class RenderedReport(models.Model):
    """The PDF of one report (kind, organisation, period), rendered by a Celery worker. Kept with
    the SHA-256 of its bytes and the version (a hash) of the data it was built from: a request
    whose data hashes the same gets the stored file; other data queues a new render."""

    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="rendered_reports")
    period = models.CharField(max_length=7, help_text="YYYY-QN (QBR) or YYYY-MM (usage).")
    status = models.CharField(max_length=10, choices=RenderStatus.choices, default=RenderStatus.QUEUED)
    wanted_version = models.CharField(max_length=64, help_text="The data version last asked for.")
    data_version = models.CharField(max_length=64, blank=True, help_text="The data version the file was built from.")
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the PDF.")
    size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    render_ms = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "organization", "period"], name="one_file_per_report")]
        indexes = [models.Index(fields=["requested_at"], name="render_pending",
                                condition=Q(status__in=["queued", "rendering"]))]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period} ({self.organization_id})"
