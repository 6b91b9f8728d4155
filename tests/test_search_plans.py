"""The three ways a search is read (tickets/search.py `narrowed`, docs/search.md) find the same
tickets under the same tenancy. Which one runs is the planner's estimates' choice, so each test
forces each form by answering for the planner; on a small test database it would always pick
the first."""
import pytest
from django.db import connection

from tickets import search, services
from tests.conftest import api_as, login
from tests.factories import CustomerFactory, TicketFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the plans are PostgreSQL's; SQLite has one"),
]

FEW_MATCHES = "few matches: the union of index scans, ranked"
SMALL_SCOPE = "a common word in a small scope: the scope tested, ranked"
LARGE_SCOPE = "a common word over a large scope: the scope read newest first"


def force(monkeypatch, plan):
    many = 1_000_000
    matches = 1 if plan == FEW_MATCHES else many
    scope = 1 if plan == SMALL_SCOPE else many
    monkeypatch.setattr(search, "matches_estimate", lambda ids: matches)
    monkeypatch.setattr(search, "scope_estimate", lambda queryset: scope)


@pytest.fixture
def shared_words(customer, customer_admin, outsider, staff):
    """Two organisations sharing words, a member's colleague, internal notes."""
    colleague = CustomerFactory(organization=customer.organization)
    mine = TicketFactory(requester=customer, subject="Connector timeout on export", description="webhook fails")
    theirs = TicketFactory(requester=colleague, subject="Connector retries", description="webhook slow")
    outside = TicketFactory(requester=outsider, subject="Connector secret rollout", description="webhook kraken")
    services.message_create(ticket=mine, author=staff, body="kraken churn risk", is_internal=True)
    services.message_create(ticket=theirs, author=staff, body="the walrus invoice was refunded")
    return {"mine": mine.subject, "theirs": theirs.subject, "outside": outside.subject}


def found(user, q) -> set[str]:
    response = api_as(user).get("/api/v1/tickets/", {"q": q})
    assert response.status_code == 200, response.content
    return {row["subject"] for row in response.json()["results"]}


@pytest.mark.parametrize("plan", [FEW_MATCHES, SMALL_SCOPE, LARGE_SCOPE])
def test_every_plan_finds_only_what_the_viewer_may_see(monkeypatch, plan, shared_words, customer, customer_admin,
                                                       outsider, staff):
    force(monkeypatch, plan)
    w = shared_words
    assert found(customer, "connector") == {w["mine"]}
    assert found(customer, "webhook") == {w["mine"]}
    assert found(customer, "kraken") == set()  # an internal note's word, and another org's
    assert found(customer, "walrus") == set()  # a colleague's ticket's reply
    assert found(customer_admin, "connector") == {w["mine"], w["theirs"]}
    assert found(customer_admin, "walrus") == {w["theirs"]}
    assert found(customer_admin, "conn") == {w["mine"], w["theirs"]}  # the last word as a prefix
    assert found(outsider, "connector webhook") == {w["outside"]}
    assert found(staff, "kraken") == {w["mine"], w["outside"]}  # staff search their notes
    assert found(staff, "connector") == set(w.values())


@pytest.mark.parametrize("plan", [FEW_MATCHES, SMALL_SCOPE])
def test_a_small_scope_is_ranked_whether_or_not_the_word_is_common(monkeypatch, plan, customer_admin, staff):
    force(monkeypatch, plan)
    in_subject = TicketFactory(requester=customer_admin, subject="Gateway quokka", description="none")
    in_description = TicketFactory(requester=customer_admin, subject="Other", description="a quokka here")
    in_reply = TicketFactory(requester=customer_admin, subject="Third", description="none")
    services.message_create(ticket=in_reply, author=staff, body="quokka seen")
    TicketFactory(requester=customer_admin, subject="Newest, no match")
    subjects = [row["subject"] for row in api_as(customer_admin).get("/api/v1/tickets/?q=quokka").json()["results"]]
    assert subjects == [in_subject.subject, in_description.subject, in_reply.subject]


def test_a_common_word_over_a_large_scope_lists_its_matches_newest_first(monkeypatch, customer_admin, staff):
    force(monkeypatch, LARGE_SCOPE)
    older = TicketFactory(requester=customer_admin, subject="Gateway quokka")
    newer = TicketFactory(requester=customer_admin, subject="Other", description="a quokka here")
    TicketFactory(requester=customer_admin, subject="Newest, no match")
    subjects = [row["subject"] for row in api_as(staff).get("/api/v1/tickets/?q=quokka").json()["results"]]
    assert subjects == [newer.subject, older.subject]


@pytest.mark.parametrize("plan", [FEW_MATCHES, LARGE_SCOPE])
def test_the_admin_search_finds_words_and_exact_forms_in_every_plan(client, monkeypatch, plan, customer, outsider):
    from tests.factories import StaffFactory

    force(monkeypatch, plan)
    worded = TicketFactory(requester=customer, subject="SSO loop after upgrade")
    numbered = TicketFactory(requester=outsider, subject="Unrelated")
    login(client, StaffFactory(username="lead-plans"))

    def admin_found(q):
        response = client.get("/admin/tickets/ticket/", {"q": q})
        assert response.status_code == 200
        return {t.pk for t in response.context["cl"].result_list}

    assert admin_found("sso") == {worded.pk}
    assert admin_found(f"#{numbered.pk}") == {numbered.pk}
    assert admin_found(outsider.organization.name) == {numbered.pk}
    assert admin_found(outsider.email) == {numbered.pk}



@pytest.mark.parametrize("typed_matches, finds_longer_word", [(10, True), (search.COMPLETE_LAST_WORD_BELOW, False)])
def test_the_last_word_is_completed_unless_the_words_as_typed_are_already_common(
        monkeypatch, staff, typed_matches, finds_longer_word):
    from tickets.selectors import tickets_visible_to

    monkeypatch.setattr(search, "typed_words_estimate", lambda ids: typed_matches)
    as_typed = TicketFactory(subject="Login page blank")
    longer = TicketFactory(subject="Loginservice crashes")
    found = set(search.ticket_search(tickets_visible_to(staff), "login", include_internal_notes=True))
    assert as_typed in found  # the word as typed is found either way
    assert (longer in found) is finds_longer_word
