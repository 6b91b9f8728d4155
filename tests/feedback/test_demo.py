"""The demo has feedback to show, made through the services, and seeding again adds nothing."""
import pytest
from django.core.management import call_command

from feedback.models import FeatureRequest, MonthlyReview, NpsSurvey, TicketRating
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_ratings_answers_requests_and_reviews_once(capsys):
    call_command("seed_demo")
    counts = (TicketRating.objects.filter(score__isnull=False).count(), NpsSurvey.objects.count(),
              FeatureRequest.objects.count(), MonthlyReview.objects.count())
    assert counts[0] > 50 and counts[2] == 4 and counts[3] == 2
    assert NpsSurvey.objects.filter(user__username="acme-admin", score=9).exists()
    assert FeatureRequest.objects.filter(source_ticket__isnull=False).count() == 1
    assert Notification.objects.filter(template="csat_low").exists()  # Acme's 2 reached the lead
    assert TicketRating.objects.filter(organization__name="Umbrella Labs", score__isnull=True).exists()
    call_command("seed_demo")
    assert (TicketRating.objects.filter(score__isnull=False).count(), NpsSurvey.objects.count(),
            FeatureRequest.objects.count(), MonthlyReview.objects.count()) == counts
