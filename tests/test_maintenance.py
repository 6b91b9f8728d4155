"""Planned maintenance: announced to every linked Slack Connect channel (or the chosen
organisations'), re-announced when moved, reminded before it starts, called off visibly, and
shown on the dashboard of the customers it concerns only."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from status import maintenance as services
from status.models import MaintenanceWindow
from notifications.models import Notification
from notifications.services import render
from tests.conftest import login
from tests.factories import CustomerAdminFactory, OrganizationFactory, tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def channels(enterprise_org, pro_org):
    enterprise_org.slack_channel = "C0ACME"
    enterprise_org.save()
    pro_org.slack_channel = "C0PRO"  # Pro has no Slack support: never posted to
    pro_org.save()
    second = OrganizationFactory(tier=tier("enterprise"), slack_channel="C0GLOBEX")
    return enterprise_org, second


@pytest.fixture
def window(staff):
    start = timezone.now() + timedelta(days=3)
    return MaintenanceWindow.objects.create(title="Database upgrade", description="Read-only for 10 minutes.",
                                            starts_at=start, ends_at=start + timedelta(hours=2), created_by=staff)


def posts(kind=None):
    rows = Notification.objects.filter(template="maintenance")
    return sorted((n.recipient, n.context["kind"]) for n in rows if kind in (None, n.context["kind"]))


def test_an_announcement_reaches_every_linked_enterprise_channel_once(channels, window, staff):
    assert services.maintenance_announce(window=window, actor=staff) == 2
    assert posts() == [("C0ACME", "announced"), ("C0GLOBEX", "announced")]
    row = Notification.objects.filter(template="maintenance").first()
    _, body, _ = render(channel="slack", template="maintenance", context=row.context)  # rendered when sent
    assert f"<!date^{int(window.starts_at.timestamp())}^" in body and "Read-only for 10 minutes." in body
    with pytest.raises(ValidationError, match="announced already"):
        services.maintenance_announce(window=window, actor=staff)
    assert len(posts()) == 2


def test_chosen_organisations_alone_hear_of_a_targeted_window(channels, window, staff):
    acme, _ = channels
    window.organizations.set([acme])
    services.maintenance_announce(window=window, actor=staff)
    assert posts() == [("C0ACME", "announced")]


def test_moving_an_announced_window_announces_the_new_times(channels, window, staff):
    services.maintenance_announce(window=window, actor=staff)
    later = window.starts_at + timedelta(days=1)
    services.maintenance_reschedule(window=window, actor=staff, starts_at=later, ends_at=later + timedelta(hours=1))
    assert posts("rescheduled") == [("C0ACME", "rescheduled"), ("C0GLOBEX", "rescheduled")]


def test_moving_a_window_not_yet_announced_posts_nothing(channels, window, staff):
    later = window.starts_at + timedelta(days=1)
    services.maintenance_reschedule(window=window, actor=staff, starts_at=later, ends_at=later + timedelta(hours=1))
    assert posts() == []


def test_a_window_must_end_after_it_starts(window, staff):
    with pytest.raises(ValidationError, match="end after"):
        services.maintenance_reschedule(window=window, actor=staff, starts_at=window.ends_at, ends_at=window.starts_at)


def test_the_reminder_goes_once_shortly_before_the_start(channels, window, staff, settings):
    settings.MAINTENANCE_REMINDER_MINUTES = 60
    services.maintenance_announce(window=window, actor=staff)
    assert services.maintenance_remind_due(now=window.starts_at - timedelta(hours=2)) == 0
    assert services.maintenance_remind_due(now=window.starts_at - timedelta(minutes=30)) == 2
    assert services.maintenance_remind_due(now=window.starts_at - timedelta(minutes=20)) == 0
    assert len(posts("reminder")) == 2


def test_an_unannounced_window_is_not_reminded(channels, window):
    assert services.maintenance_remind_due(now=window.starts_at - timedelta(minutes=30)) == 0


def test_cancelling_tells_those_who_were_told_and_nobody_else(channels, window, staff):
    quiet = MaintenanceWindow.objects.create(title="Never announced", description="x", starts_at=window.starts_at,
                                             ends_at=window.ends_at)
    assert services.maintenance_cancel(window=quiet, actor=staff) == 0
    services.maintenance_announce(window=window, actor=staff)
    services.maintenance_cancel(window=window, actor=staff)
    assert posts("cancelled") == [("C0ACME", "cancelled"), ("C0GLOBEX", "cancelled")]
    with pytest.raises(ValidationError):
        services.maintenance_announce(window=window, actor=staff)


def test_only_staff_announce(window, customer):
    with pytest.raises(PermissionDenied):
        services.maintenance_announce(window=window, actor=customer)


def test_the_dashboard_shows_announced_windows_to_the_customers_they_concern(client, channels, window, staff,
                                                                            other_org):
    acme, _ = channels
    targeted = MaintenanceWindow.objects.create(title="Globex-only migration", description="x",
                                                starts_at=window.starts_at, ends_at=window.ends_at)
    targeted.organizations.set([other_org])
    draft = MaintenanceWindow.objects.create(title="Draft not announced", description="x",
                                             starts_at=window.starts_at, ends_at=window.ends_at)
    for announced in (window, targeted):
        services.maintenance_announce(window=announced, actor=staff)
    login(client, CustomerAdminFactory(organization=acme))
    page = client.get("/").content.decode()
    assert "Database upgrade" in page
    assert "Globex-only migration" not in page and draft.title not in page
    login(client, CustomerAdminFactory(organization=other_org))
    assert "Globex-only migration" in client.get("/").content.decode()


def test_an_announced_window_cannot_be_deleted_only_cancelled(rf, channels, window, staff):
    from django.contrib.admin import site

    staff.is_superuser = True
    request = rf.get("/admin/")
    request.user = staff
    window_admin = site._registry[MaintenanceWindow]
    assert window_admin.has_delete_permission(request, window)  # a draft nobody was told of
    services.maintenance_announce(window=window, actor=staff)
    window.refresh_from_db()
    assert not window_admin.has_delete_permission(request, window)
    assert "delete_selected" not in window_admin.get_actions(request)
