"""The quarterly NPS survey: idempotent per quarter, Pro and Enterprise contacts who did not opt
out, answered by a signed link (GET changes nothing), changeable within the quarter only."""
import re

import pytest
import time_machine
from django.core import signing

from feedback import links
from feedback.models import NpsSurvey, SurveyRecipient
from feedback.services import nps_send_quarter
from feedback.tasks import nps_quarterly
from notifications.models import Notification
from tests.conftest import login
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, tier
from tests.feedback.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_the_fourth_quarter():
    with time_machine.travel(at(2026, 10, 1, 16, 0), tick=False):
        yield


@pytest.fixture
def contacts(orgs):
    free = OrganizationFactory(name="Globex", tier=tier("free"))
    ent = OrganizationFactory(name="Acme", tier=tier("enterprise"))
    return {**{k: v for k, v in orgs["a"].items() if k != "org"},
            "enterprise": CustomerAdminFactory(organization=ent, username="acme-admin"),
            "free": CustomerAdminFactory(organization=free, username="globex-admin"),
            "inactive": CustomerFactory(organization=orgs["a"]["org"], username="gone", is_active=False),
            "b_admin": orgs["b"]["admin"], "b_member": orgs["b"]["member"]}


def _path(survey, score=None):
    return links.nps_url(survey, score, absolute=False)


def test_the_quarter_surveys_active_pro_and_enterprise_contacts_once_however_often_it_runs(contacts):
    assert nps_quarterly() == 5
    assert nps_quarterly() == 0 and nps_send_quarter() == 0
    surveyed = set(NpsSurvey.objects.filter(year=2026, quarter=4).values_list("user__username", flat=True))
    assert surveyed == {"a-admin", "a-member", "acme-admin", "b-admin", "b-member"}
    assert Notification.objects.filter(template="nps_survey").count() == 5


def test_a_contact_who_opted_out_is_not_surveyed(contacts, client):
    nps_send_quarter()
    survey = NpsSurvey.objects.get(user=contacts["admin"])
    assert client.get(_path(survey)).status_code == 200
    assert not SurveyRecipient.objects.exists()  # the page alone opts nobody out
    client.post(_path(survey), {"action": "opt_out"})
    assert SurveyRecipient.objects.get(user=contacts["admin"]).nps_opted_out
    with time_machine.travel(at(2027, 1, 1, 16, 0), tick=False):
        nps_send_quarter()
    assert not NpsSurvey.objects.filter(user=contacts["admin"], year=2027).exists()
    assert NpsSurvey.objects.filter(user=contacts["member"], year=2027).exists()


def test_the_survey_mail_links_each_score_in_both_parts(contacts):
    from notifications.services import render

    nps_send_quarter()
    mail = Notification.objects.filter(template="nps_survey", recipient=contacts["admin"].email).get()
    _, text, html = render(channel="email", template="nps_survey", context=mail.context)
    for part in (text, html):
        scores = re.findall(r"/feedback/nps/[^\s\"<]+\?score=(\d+)", part)
        assert scores == [str(n) for n in range(11)]


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_a_survey_link_records_nothing(contacts, client, method):
    nps_send_quarter()
    survey = NpsSurvey.objects.get(user=contacts["admin"])
    for score in range(11):
        assert getattr(client, method)(_path(survey, score)).status_code == 200
    survey.refresh_from_db()
    assert survey.score is None and survey.answered_at is None


def test_an_answer_is_recorded_by_the_post_and_can_be_changed_within_the_quarter(contacts, client):
    nps_send_quarter()
    survey = NpsSurvey.objects.get(user=contacts["admin"])
    body = client.get(_path(survey, 8)).content.decode()
    assert re.search(r'<input[^>]*value="8"[^>]*checked', body)
    assert client.post(_path(survey), {"score": "8", "comment": "Solid."}).status_code == 200
    with time_machine.travel(at(2026, 12, 31, 23, 59), tick=False):
        assert client.post(_path(survey), {"score": "10"}).status_code == 200
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (10, "")
    assert NpsSurvey.objects.filter(user=contacts["admin"]).count() == 1


def test_an_answer_after_the_quarter_is_refused_and_nothing_is_written(contacts, client):
    nps_send_quarter()
    survey = NpsSurvey.objects.get(user=contacts["admin"])
    client.post(_path(survey), {"score": "6"})
    with time_machine.travel(at(2027, 1, 1, 0, 1), tick=False):
        response = client.post(_path(survey), {"score": "10"})
        assert response.status_code == 410 and "has closed" in response.content.decode()
        assert client.get(_path(survey)).status_code == 410
    survey.refresh_from_db()
    assert survey.score == 6


@pytest.mark.parametrize("score", ["-1", "11", "ten", ""])
def test_a_score_outside_0_to_10_is_refused_and_nothing_is_written(contacts, client, score):
    nps_send_quarter()
    survey = NpsSurvey.objects.get(user=contacts["admin"])
    response = client.post(_path(survey), {"score": score})
    assert response.status_code == 400 and "from 0 to 10" in response.content.decode()
    survey.refresh_from_db()
    assert survey.score is None


def test_a_forged_or_altered_survey_link_is_refused(contacts, client):
    nps_send_quarter()
    survey = NpsSurvey.objects.get(user=contacts["admin"])
    forged = signing.dumps({"s": survey.pk, "u": survey.user_id, "q": "2026-4"}, salt=links.NPS_SALT, key="x")
    for token in (forged, links.nps_token(survey)[:-3] + "abc", "x"):
        assert client.post(f"/feedback/nps/{token}/", {"score": "0"}).status_code == 400
    survey.refresh_from_db()
    assert survey.score is None


def test_account_managers_see_their_organisations_answers_and_comments_only(contacts, client, team):
    nps_send_quarter()
    for user, comment in ((contacts["admin"], "Ours says hi"), (contacts["b_admin"], "Theirs is private")):
        client.post(_path(NpsSurvey.objects.get(user=user)), {"score": "9", "comment": comment})
    login(client, team["am"])
    body = client.get("/admin/feedback/npssurvey/").content.decode()
    assert "Ours says hi" in body and "Theirs is private" not in body
    client.logout()
    login(client, team["lead"])
    body = client.get("/admin/feedback/npssurvey/").content.decode()
    assert "Ours says hi" in body and "Theirs is private" in body
