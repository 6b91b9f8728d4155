"""Usage, QBR decks and monthly usage reports (docs/usage.md). Usage is each organisation's daily
consumption of the platform, as the platform reports it: the figures QBR decks and monthly
reports chart."""
from django.db import models
from django.db.models import Q


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
