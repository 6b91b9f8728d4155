"""Issue 11 item 14: schemathesis, with every check (`--checks all`), finds no failure in the API
against its published schema, signed in as a customer and as staff.

It runs the schemathesis CLI against this test's live server with the repository's
schemathesis.toml (what the schema cannot say), plus the ids of the objects made here so that
generated requests reach real tickets. Bounded for CI: a fixed seed, few examples per operation,
the boundary-value ("coverage") phase once, as staff, who can reach every operation's logic.
"""
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from accounts.services import api_token_create

from tickets import services
from tests.factories import CustomerAdminFactory, OrganizationFactory, StaffFactory, TicketFactory, tier

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
SEED = "20261203"


def _world():
    acme = OrganizationFactory(name="Acme", tier=tier("enterprise"))
    other = OrganizationFactory(name="Umbrella", tier=tier("enterprise"))
    customer = CustomerAdminFactory(organization=acme, username="acme-admin")
    staff = StaffFactory(username="support")
    StaffFactory(username="senior", role="Senior engineer")
    tickets = [TicketFactory(requester=customer, status=status) for status in ("new", "in_progress", "resolved")]
    tickets.append(TicketFactory(requester=CustomerAdminFactory(organization=other), status="new"))
    message = services.message_create(ticket=tickets[0], author=customer, body="More detail")
    attachment = services.attachment_create(ticket=tickets[0], uploaded_by=customer, message=message,
                                            uploaded_file=SimpleUploadedFile("trace.log", b"line\n"))
    return {"customer": customer, "staff": staff, "tickets": [t.pk for t in tickets],
            "attachments": [attachment.pk], "orgs": {"customer": [acme.account_id],
                                                       "staff": [acme.account_id, other.account_id]},
            "staff_names": ["support", "senior"]}


def _config(tmp_path, world, role) -> Path:
    """The repository's config, plus dictionaries of real ids for generated requests to use."""
    def values(items):
        return "[" + ", ".join(f'"{i}"' if isinstance(i, str) else str(i) for i in items) + "]"

    extra = f"""
[dictionaries]
tickets = {{ values = {values(world["tickets"])} }}
attachments = {{ values = {values(world["attachments"])} }}
orgs = {{ values = {values(world["orgs"][role])} }}
staff = {{ values = {values(world["staff_names"])} }}

[parameters]
"path.id" = {{ dictionary = "tickets", probability = 0.9 }}
"path.attachment_id" = {{ dictionary = "attachments", probability = 0.9 }}
"body.organization" = {{ dictionary = "orgs", probability = 1.0 }}
"body.assignee" = {{ dictionary = "staff", probability = 1.0 }}
"""
    path = tmp_path / f"{role}.toml"
    path.write_text(CONFIG.read_text() + extra)
    return path


def _workers() -> str:
    # SQLite refuses a second writer at once ("database is locked") where PostgreSQL waits.
    return "2" if connection.vendor == "postgresql" else "1"


def _schemathesis(live_server, tmp_path, world, role, phases) -> subprocess.CompletedProcess:
    _, token = api_token_create(user=world[role], name="schemathesis")
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(_config(tmp_path, world, role)), "run",
               f"{live_server.url}/api/schema/", "--header", f"Authorization: Token {token}", "--checks", "all",
               "--phases", phases, "--max-examples", "6", "--seed", SEED, "--workers", _workers(),
               "--generation-database", "none", "--no-color", "--request-timeout", "30"]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("role, phases", [("staff", "examples,coverage,fuzzing,stateful"),
                                          ("customer", "examples,fuzzing,stateful")])
def test_schemathesis_with_every_check_finds_no_failure(live_server, tmp_path, role, phases):
    result = _schemathesis(live_server, tmp_path, _world(), role, phases)
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert " passed" in result.stdout or "No issues found" in result.stdout, report
