"""Staff triage a ticket in a real browser: one save applies every change (Debian's Chromium
driven by Playwright, as tests/test_browser.py)."""
import pytest

from status.models import Component
from tickets.models import Message, Ticket
from tests.factories import PASSWORD, StaffFactory, TicketFactory, give_totp, totp_code
from tests.test_browser import page  # noqa: F401  (the browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _staff_login(page, user):
    """The admin's sign-in, then its second step: staff must use two-factor (an authenticator
    app with a known secret; the code computed as the app would)."""
    give_totp(user)
    page.goto(f"{page.base_url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("#id_code", totp_code())
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/admin/")


def test_one_save_applies_status_assignee_component_a_reply_and_a_note(page, customer):  # noqa: F811
    lead = StaffFactory(username="lead", role="Engineering lead")
    ticket = TicketFactory(requester=customer, subject="Exports time out")
    component = Component.objects.order_by("name").first()
    _staff_login(page, lead)
    page.goto(f"{page.base_url}/admin/tickets/ticket/{ticket.pk}/change/")
    page.select_option("#id_status", "in_progress")
    page.select_option("#id_assignee", str(lead.pk))
    page.select_option("#id_component", str(component.pk))
    page.fill("#id_messages-0-body", "We are on it; a fix is being deployed.")
    page.click("text=Add another Reply or internal note")
    page.fill("#id_messages-1-body", "Root cause: the export worker's pool is too small.")
    page.check("#id_messages-1-is_internal")
    page.click("input[name=_save]")
    page.wait_for_url(f"{page.base_url}/admin/tickets/ticket/")
    assert page.locator(".messagelist .success").count() == 1
    assert page.locator(".messagelist .error").count() == 0
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.assignee_id, ticket.component_id) == ("in_progress", lead.pk, component.pk)
    assert sorted(Message.objects.filter(ticket=ticket).values_list("is_internal", "body")) == [
        (False, "We are on it; a fix is being deployed."),
        (True, "Root cause: the export worker's pool is too small."),
    ]


def test_the_admin_shows_one_server_time_note_however_many_time_fields(page):  # noqa: F811
    from accounts.models import User

    root = User.objects.create_superuser("root", "root@aragora.ai", PASSWORD, timezone="Asia/Tokyo")
    _staff_login(page, root)  # the browser runs in UTC, the viewer chose Tokyo: the widgets warn
    page.goto(f"{page.base_url}/admin/status/maintenancewindow/add/")
    page.wait_for_load_state("load")
    page.wait_for_function("document.querySelectorAll('.datetimeshortcuts').length >= 2")
    assert page.locator(".timezonewarning").count() == 1


def test_the_queue_fits_a_phone_and_keeps_its_sla_column(page, customer):  # noqa: F811
    lead = StaffFactory(username="lead", role="Engineering lead")
    TicketFactory.create_batch(3, requester=customer, subject="A subject long enough to need wrapping on a phone",
                               status="waiting_on_customer")
    page.set_viewport_size({"width": 390, "height": 844})
    _staff_login(page, lead)
    page.goto(f"{page.base_url}/admin/tickets/ticket/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Django's admin scrolls a wide table inside its box: the columns must fit, not hide off-screen.
    assert page.evaluate("(() => { const r = document.querySelector('.results');"
                         " return r.scrollWidth <= r.clientWidth; })()")
    for column in ("sla", "sev", "status"):
        for cell in (f"#result_list th.column-{column}", f"#result_list td.field-{column} >> nth=0"):
            box = page.locator(cell).bounding_box()
            assert box and box["x"] + box["width"] <= 390, cell
