"""The monthly review (frozen once on the 1st, with each figure's change) and the staff dashboard."""
import datetime as dt

import pytest
import time_machine

from feedback.models import MonthlyReview
from feedback.services import monthly_review_freeze
from feedback.services.reviews import review_changes
from feedback.tasks import monthly_review
from tests.conftest import login
from tests.feedback.conftest import at, open_ticket

pytestmark = pytest.mark.django_db


def test_the_review_freezes_last_months_figures_once_however_often_beat_runs(orgs):
    open_ticket(orgs["a"]["org"], orgs["a"]["member"], when=at(2026, 10, 20, 17, 0))
    with time_machine.travel(at(2026, 11, 1, 0, 30), tick=False):
        first = monthly_review()
    open_ticket(orgs["a"]["org"], orgs["a"]["member"], when=at(2026, 10, 21, 17, 0))  # late data
    with time_machine.travel(at(2026, 11, 1, 1, 30), tick=False):
        assert monthly_review() == first
    review = MonthlyReview.objects.get()
    assert review.month == dt.date(2026, 10, 1) and review.figures["tickets_opened"] == 1
    assert review.by_tier["pro"]["tickets_opened"] == 1 and review.by_tier["enterprise"]["tickets_opened"] == 0


def test_the_review_shows_each_figures_change_from_the_month_before(orgs, client, team):
    open_ticket(orgs["a"]["org"], orgs["a"]["member"], when=at(2026, 9, 20, 17, 0))
    for day in (20, 21, 22):
        open_ticket(orgs["a"]["org"], orgs["a"]["member"], when=at(2026, 10, day, 17, 0))
    monthly_review_freeze(today=dt.date(2026, 10, 1))
    october = monthly_review_freeze(today=dt.date(2026, 11, 1))
    opened = next(r for r in review_changes(october) if r["name"] == "tickets_opened")
    assert (opened["value"], opened["previous"], opened["change"]) == (3, 1, 2)
    login(client, team["lead"])
    page = client.get(f"/admin/feedback/monthlyreview/{october.pk}/change/").content.decode()
    assert "tickets_opened" in page and "▲ 2" in page
    client.post(f"/admin/feedback/monthlyreview/{october.pk}/change/", {"notes": "More P3s after the release."})
    october.refresh_from_db()
    assert october.notes == "More P3s after the release." and october.figures["tickets_opened"] == 3


def test_the_staff_dashboard_draws_charts_filters_and_exports(orgs, client, team):
    open_ticket(orgs["a"]["org"], orgs["a"]["member"], when=at(2026, 10, 20, 17, 0))
    login(client, team["engineer"])
    page = client.get("/admin/feedback/monthlyreview/dashboard/?from=2026-09&to=2026-10&tier=pro")
    body = page.content.decode()
    assert page.status_code == 200 and body.count('class="svgchart"') == 5 and "Oct 2026" in body
    csv = client.get("/admin/feedback/monthlyreview/dashboard/?from=2026-09&to=2026-10&format=csv")
    lines = csv.content.decode().splitlines()
    assert [line.split(",")[:2] for line in lines[1:]] == [["2026-09", "0"], ["2026-10", "1"], ["total", "1"]]
    bad = client.get("/admin/feedback/monthlyreview/dashboard/?from=2026-10&to=2026-09")
    assert bad.status_code == 400 and "before" in bad.content.decode()
