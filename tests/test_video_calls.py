"""Video calls: Enterprise customers ask, the account manager schedules, both get an invitation."""
import datetime as dt

import pytest
from icalendar import Calendar

from notifications.models import Notification
from tests.conftest import login
from tests.factories import CustomerAdminFactory, CustomerFactory, StaffFactory
from video_calls.models import VideoCall
from video_calls.services import video_call_schedule

pytestmark = pytest.mark.django_db

URL = "/video-calls/"


def test_enterprise_customer_requests_a_call_and_sees_it(client, enterprise_org):
    user = CustomerFactory(organization=enterprise_org)
    login(client, user)
    response = client.post(URL, {"purpose": "qbr", "preferred_times": "Tue afternoon CET"}, follow=True)
    assert "Requested" in response.content.decode()
    call = VideoCall.objects.get()
    assert (call.organization, call.requested_by, call.purpose, call.status) == (enterprise_org, user, "qbr",
                                                                                 "requested")
    assert "Tue afternoon CET" in client.get(URL).content.decode()


def test_pro_customers_see_the_upgrade_path_and_cannot_request(client, customer):
    login(client, customer)
    assert "come with Enterprise support" in client.get(URL).content.decode()
    client.post(URL, {"purpose": "qbr", "preferred_times": "any"})
    assert not VideoCall.objects.exists()


def test_scheduling_sends_both_sides_a_calendar_invitation(enterprise_org, settings):
    from django.core import mail

    from notifications.services import notification_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    customer = CustomerFactory(organization=enterprise_org, email="cto@acme.example")
    am = StaffFactory(email="am@aragora.ai", role="Account manager")
    call = VideoCall.objects.create(organization=enterprise_org, requested_by=customer, purpose="architecture_review",
                                    preferred_times="next week")
    starts = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=3)
    video_call_schedule(call=call, staff=am, starts_at=starts, duration_minutes=90, link="https://meet.example/abc")
    rows = Notification.objects.filter(template="video_call_invitation")
    assert sorted(rows.values_list("recipient", flat=True)) == ["am@aragora.ai", "cto@acme.example"]
    for row in rows:
        assert notification_send(row.pk) == "sent"
    attachment = mail.outbox[-1].attachments[0]
    event = Calendar.from_ical(attachment[1]).walk("VEVENT")[0]
    assert attachment[2].startswith("text/calendar")
    assert event.decoded("dtstart") == starts and event.decoded("dtend") == starts + dt.timedelta(minutes=90)
    assert str(event["location"]) == "https://meet.example/abc"
    assert {str(a) for a in event.get("attendee")} == {"mailto:cto@acme.example", "mailto:am@aragora.ai"}


def test_a_time_in_the_past_or_a_non_https_link_is_refused(enterprise_org):
    from django.core.exceptions import ValidationError

    call = VideoCall.objects.create(organization=enterprise_org, requested_by=CustomerFactory(organization=enterprise_org),
                                    purpose="onboarding", preferred_times="any")
    am = StaffFactory()
    with pytest.raises(ValidationError) as exc:
        video_call_schedule(call=call, staff=am, starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
                            duration_minutes=30, link="http://insecure.example")
    assert set(exc.value.message_dict) == {"starts_at", "link"}


def test_another_organisations_calls_are_never_shown(client, enterprise_org, outsider):
    VideoCall.objects.create(organization=enterprise_org, requested_by=CustomerAdminFactory(organization=enterprise_org),
                             purpose="qbr", preferred_times="Secret slot")
    login(client, outsider)
    assert "Secret slot" not in client.get(URL).content.decode()


def test_members_see_the_calls_they_asked_for_and_admins_the_organisations(client, enterprise_org):
    member, colleague = CustomerFactory(organization=enterprise_org), CustomerFactory(organization=enterprise_org)
    VideoCall.objects.create(organization=enterprise_org, requested_by=colleague, purpose="qbr",
                             preferred_times="Colleague's slot", link="https://meet.example/secret-room")
    VideoCall.objects.create(organization=enterprise_org, requested_by=member, purpose="qbr", preferred_times="My slot")
    page = login(client, member).get(URL).content.decode()
    assert "My slot" in page and "Colleague's slot" not in page and "secret-room" not in page
    page = login(client, CustomerAdminFactory(organization=enterprise_org)).get(URL).content.decode()
    assert "My slot" in page and "Colleague&#x27;s slot" in page


def test_account_manager_schedules_in_the_admin(client, enterprise_org):
    customer = CustomerFactory(organization=enterprise_org, email="cto@acme.example")
    call = VideoCall.objects.create(organization=enterprise_org, requested_by=customer, purpose="qbr",
                                    preferred_times="any")
    am = StaffFactory(email="am@aragora.ai", role="Account manager")
    login(client, am)
    starts = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).strftime("%Y-%m-%d")
    response = client.post(f"/admin/video_calls/videocall/{call.pk}/change/",
                           {"starts_at_0": starts, "starts_at_1": "15:00:00", "duration_minutes": 60,
                            "link": "https://meet.example/qbr"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == "scheduled" and call.scheduled_by == am
    assert Notification.objects.filter(template="video_call_invitation").count() == 2
    past = client.post(f"/admin/video_calls/videocall/{call.pk}/change/",
                       {"starts_at_0": "2020-01-01", "starts_at_1": "10:00:00", "duration_minutes": 60,
                        "link": "https://meet.example/qbr"})
    assert past.status_code == 200 and "Choose a time in the future." in past.content.decode()
