"""The outbox in the back-office: visible, searchable, read-only, with "Retry now"; and the
command that checks a channel end to end."""
import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_enqueue, ticket_context
from tests.factories import StaffFactory

CHANGELIST = reverse("admin:notifications_notification_changelist")


def make(ticket, recipient, **fields):
    row = notification_enqueue(key=f"sla_warning:{ticket.pk}:ack:email:{recipient}", channel="email",
                               recipient=recipient, template="sla_warning",
                               context=ticket_context(ticket, clock="ack", due_at=timezone.now()), ticket=ticket)
    Notification.objects.filter(pk=row.pk).update(**fields)
    return row.pk


@pytest.fixture
def rows(ticket, published):
    ids = {
        "failed": make(ticket, "failed@example.com", status="failed", attempts=8, last_error="SMTP 550 mailbox full",
                       next_attempt_at=timezone.now() - dt.timedelta(hours=2)),
        "sent": make(ticket, "sent@example.com", status="sent", attempts=1, sent_at=timezone.now()),
        "queued": make(ticket, "queued@example.com"),
    }
    published.clear()
    return ids


@pytest.mark.django_db
def test_failed_rows_are_listed_with_their_error_and_filterable(admin_client, rows):
    page = admin_client.get(CHANGELIST, {"status__exact": "failed"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "failed@example.com" in content and "SMTP 550 mailbox full" in content
    assert "sent@example.com" not in content
    assert admin_client.get(CHANGELIST, {"channel__exact": "email"}).status_code == 200


@pytest.mark.django_db
def test_search_finds_rows_by_key_and_recipient(admin_client, rows, ticket):
    content = admin_client.get(CHANGELIST, {"q": "queued@example"}).content.decode()
    assert "queued@example.com" in content and "failed@example.com" not in content
    content = admin_client.get(CHANGELIST, {"q": f"sla_warning:{ticket.pk}:ack:email:sent@"}).content.decode()
    assert "sent@example.com" in content and "queued@example.com" not in content


@pytest.mark.django_db
def test_retry_now_requeues_the_selected_rows_and_dispatches_them(admin_client, rows, published,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(CHANGELIST, {
            "action": "retry_now", "_selected_action": [rows["failed"], rows["sent"]]}, follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Re-queued 1 notification(s)" in content and "Left 1 alone" in content
    failed = Notification.objects.get(pk=rows["failed"])
    assert failed.status == "queued" and failed.attempts == 0
    assert Notification.objects.get(pk=rows["sent"]).status == "sent"
    assert published == [rows["failed"]]


@pytest.mark.django_db
def test_rows_are_read_only_in_the_admin(admin_client, rows):
    change_url = reverse("admin:notifications_notification_change", args=[rows["failed"]])
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    admin_client.post(change_url, {"recipient": "someone-else@example.com", "status": "sent"})
    assert Notification.objects.get(pk=rows["failed"]).recipient == "failed@example.com"
    assert admin_client.get(reverse("admin:notifications_notification_add")).status_code == 403
    delete_url = reverse("admin:notifications_notification_delete", args=[rows["failed"]])
    assert admin_client.get(delete_url).status_code == 403


@pytest.mark.django_db
def test_staff_who_may_only_view_the_outbox_get_no_retry_action(client, rows):
    viewer = StaffFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "retry_now" not in page.content.decode()


@pytest.mark.django_db
def test_send_test_notification_command_queues_a_test_message(published, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_test_notification", "slack", "C0123456", "--sent-by", "ops", stdout=out)
    row = Notification.objects.get()
    assert row.template == "test_message" and row.channel == "slack" and row.recipient == "C0123456"
    assert "sent by ops" in row.body_text and published == [row.pk]
    assert f"Queued notification #{row.pk}" in out.getvalue()
