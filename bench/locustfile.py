"""Load test journeys for the support portal (issue 16), run by bench/load.py.

Customers of many organisations, each signed in as their own user and seeing only their own
organisation's tickets: on the portal's HTML pages (sign-in through the allauth form with CSRF,
ticket list, a ticket, a reply, a new ticket with an attachment) and on the REST API with tokens
(list, open, read the thread,
reply, open a ticket, attach a file). Staff on the API: the queue, a ticket, then a triage run
(assign + acknowledge, set severity, public reply, resolve). A light user reads /bench/trivial in
the same run: the baseline the table's "x trivial" column divides by.

Reads are about 80% of requests (load.py prints the measured share). Every request checks its
status code, and where it is cheap that the answer is the caller's own organisation's data;
anything else is a failure. URLs with ids are grouped with name= ("/api/v1/tickets/[id]/").

Needs LOAD_USERS: a JSON file written by load.py (users, passwords, tokens, ticket ids).
"""
import json
import os
import random
import re
import threading
from itertools import count

from locust import HttpUser, between, constant, task

with open(os.environ["LOAD_USERS"]) as fh:
    DATA = json.load(fh)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_next = {"customers": count(), "staff": count()}
HAR = b'{"log": {"version": "1.2", "entries": []}}' + b" " * 4000  # a small upload, as most are
_lock = threading.Lock()
# CREATED_TICKETS_FILE (set by scripts/cluster-demo.sh): each ticket this run saw created is
# appended to it as a line "<id>", so the script can show that none was lost.
_created_file = os.environ.get("CREATED_TICKETS_FILE")


def _created(pk) -> None:
    if _created_file:
        with _lock, open(_created_file, "a") as fh:
            fh.write(f"{pk}\n")


def _take(pool: str) -> tuple[int, dict]:
    """Each simulated user its own account, round robin: many distinct customers, not one."""
    with _lock:
        n = next(_next[pool])
    return n, DATA[pool][n % len(DATA[pool])]


def _forwarded_for(n: int) -> dict:
    # Every locust user comes from 127.0.0.1. load.py runs the server with NUM_PROXIES=1, as
    # behind one proxy, and each user sends the address that proxy would have appended: so the
    # per-address limits (allauth's sign-in limit, axes, DRF throttles) see many clients, as in
    # production, instead of one address for the whole customer base.
    return {"X-Forwarded-For": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255 or 1}"}


def _fail(response, why: str) -> None:
    response.failure(f"{response.status_code}: {why}: {response.text[:200]!r}")


def _json(response, status: int = 200):
    """The decoded body if the status is the expected one, else None (the request has failed)."""
    if response.status_code != status:
        _fail(response, f"expected {status}")
        return None
    try:
        return response.json()
    except ValueError:
        _fail(response, "not JSON")
        return None


class PortalCustomer(HttpUser):
    """A customer admin on the portal's pages, signed in with a session."""

    weight = 3
    wait_time = between(0.5, 2.0)

    def on_start(self):
        n, self.me = _take("customers")
        self.client.headers.update(_forwarded_for(1000 + n))
        with self.client.get("/accounts/login/", name="portal sign-in form", catch_response=True) as r:
            token = CSRF.search(r.text) if r.status_code == 200 else None
            if not token:
                return _fail(r, "no CSRF token on the sign-in form")
        form = {"csrfmiddlewaretoken": token.group(1), "username": self.me["username"], "password": self.me["password"]}
        with self.client.post("/accounts/login/", data=form, name="portal sign-in", allow_redirects=False,
                              headers={"Referer": self.host + "/accounts/login/"}, catch_response=True) as r:
            if r.status_code != 302:
                _fail(r, "sign-in did not redirect")

    @task(5)
    def list_tickets(self):
        with self.client.get("/", name="portal: ticket list", catch_response=True) as r:
            if r.status_code != 200 or self.me["account_id"] not in r.text:
                _fail(r, "not this organisation's ticket list")

    @task(5)
    def open_ticket(self):
        pk = random.choice(self.me["tickets"])
        with self.client.get(f"/tickets/{pk}/", name="portal: ticket [id]", catch_response=True) as r:
            if r.status_code != 200 or f"#{pk} " not in r.text:
                _fail(r, "not the ticket asked for")

    @task(2)
    def reply(self):
        pk = random.choice(self.me["tickets"])
        with self.client.get(f"/tickets/{pk}/", name="portal: ticket [id]", catch_response=True) as r:
            token = CSRF.search(r.text) if r.status_code == 200 else None
            if not token:
                return _fail(r, "no reply form")
        with self.client.post(f"/tickets/{pk}/", name="portal: reply [id]", allow_redirects=False,
                              data={"csrfmiddlewaretoken": token.group(1), "body": "Any news? (load test)"},
                              headers={"Referer": f"{self.host}/tickets/{pk}/"}, catch_response=True) as r:
            if r.status_code != 302 or not r.headers.get("Location", "").endswith(f"/tickets/{pk}/"):
                _fail(r, "reply not accepted")


    @task(1)
    def create_ticket_with_attachment(self):
        with self.client.get("/tickets/new/", name="portal: new ticket form", catch_response=True) as r:
            token = CSRF.search(r.text) if r.status_code == 200 else None
            if not token:
                return _fail(r, "no new-ticket form")
        form = {"csrfmiddlewaretoken": token.group(1), "subject": "Load test: dashboard blank",
                "severity": random.choice(["P3", "P4"]), "environment": "production",
                "description": "Opened by bench/locustfile.py on the portal."}
        with self.client.post("/tickets/new/", data=form, files={"attachment": ("screen.har", HAR, "application/json")},
                              name="portal: POST new ticket + attachment", allow_redirects=False,
                              headers={"Referer": f"{self.host}/tickets/new/"}, catch_response=True) as r:
            opened = re.search(r"/tickets/(\d+)/$", r.headers.get("Location", ""))
            if r.status_code != 302 or not opened:
                return _fail(r, "ticket not opened")
            _created(opened.group(1))


class ApiCustomer(HttpUser):
    """A customer admin's integration on the REST API, with a token."""

    weight = 3
    wait_time = between(0.5, 2.0)

    def on_start(self):
        n, self.me = _take("customers")
        self.client.headers.update({"Authorization": f"Token {self.me['token']}", **_forwarded_for(2000 + n)})

    def _own(self, response, row) -> bool:
        if row.get("organization") != self.me["account_id"]:
            _fail(response, f"another organisation's ticket: {row.get('organization')}")
            return False
        return True

    @task(5)
    def list_tickets(self):
        with self.client.get("/api/v1/tickets/", name="api: GET tickets", catch_response=True) as r:
            body = _json(r)
            if body is not None:
                if not body["results"]:
                    _fail(r, "empty list")
                for row in body["results"]:
                    if not self._own(r, row):
                        break

    @task(3)
    def open_ticket(self):
        pk = random.choice(self.me["tickets"])
        with self.client.get(f"/api/v1/tickets/{pk}/", name="api: GET ticket [id]", catch_response=True) as r:
            body = _json(r)
            if body is not None and self._own(r, body) and body["id"] != pk:
                _fail(r, "another ticket")
        with self.client.get(f"/api/v1/tickets/{pk}/messages/", name="api: GET messages [id]",
                             catch_response=True) as r:
            body = _json(r)
            if body is not None and any(m["is_internal"] for m in body):
                _fail(r, "a customer sees internal notes")

    @task(1)
    def reply(self):
        pk = random.choice(self.me["tickets"])
        with self.client.post(f"/api/v1/tickets/{pk}/messages/", json={"body": "Still seeing it (load test)."},
                              name="api: POST message [id]", catch_response=True) as r:
            _json(r, 201)

    @task(1)
    def create_ticket_with_attachment(self):
        ticket = {"subject": "Load test: exports time out", "description": "Opened by bench/locustfile.py.",
                  "severity": random.choice(["P3", "P4"]), "environment": "production"}
        with self.client.post("/api/v1/tickets/", json=ticket, name="api: POST ticket", catch_response=True) as r:
            body = _json(r, 201)
            if body is None or not self._own(r, body):
                return
            _created(body["id"])
        log = b"2026-12-04T12:00:00Z export failed: timeout after 30 s\n" * 200  # ~11 KB
        with self.client.post(f"/api/v1/tickets/{body['id']}/attachments/", files={"file": ("export.log", log,
                              "text/plain")}, name="api: POST attachment [id]", catch_response=True) as r:
            upload = _json(r, 201)
            if upload is not None and upload["size"] != len(log):
                _fail(r, "stored size differs")


class Staff(HttpUser):
    """A support engineer on the staff API: the queue, a ticket, a triage run."""

    weight = 2
    wait_time = between(0.5, 2.0)

    def on_start(self):
        n, self.me = _take("staff")
        # Engineer k triages only the organisations it owns (every len(staff)-th customer
        # account, as an organisation has its support engineer), so two engineers never race on
        # one ticket's status: a refused transition would then be a real error. load.py makes at
        # least as many staff accounts as there can be Staff users.
        lanes = len(DATA["staff"])
        self.accounts = [c["account_id"] for i, c in enumerate(DATA["customers"]) if i % lanes == n % lanes]
        self.client.headers.update({"Authorization": f"Token {self.me['token']}", **_forwarded_for(3000 + n)})

    def _queue(self, name="api: GET queue (staff)", **filters):
        query = "&".join(f"{k}={v}" for k, v in {"status": "new", "sort": "response_due", **filters}.items())
        with self.client.get(f"/api/v1/tickets/?{query}", name=name, catch_response=True) as r:
            body = _json(r)
            if body is None:
                return []
            if any(row["status"] != "new" or row["organization"] != filters.get("organization", row["organization"])
                   for row in body["results"]):
                _fail(r, "filter ignored")
            return body["results"]

    @task(6)
    def queue(self):
        self._queue()

    @task(5)
    def open_ticket(self):
        pk = random.choice(DATA["any_tickets"])
        with self.client.get(f"/api/v1/tickets/{pk}/", name="api: GET ticket [id] (staff)", catch_response=True) as r:
            _json(r)
        with self.client.get(f"/api/v1/tickets/{pk}/messages/", name="api: GET messages [id] (staff)",
                             catch_response=True) as r:
            _json(r)

    @task(1)
    def triage(self):
        mine = self._queue("api: GET queue of an account (staff)", organization=random.choice(self.accounts))
        if not mine:
            return
        pk = mine[0]["id"]
        steps = [
            ("api: PATCH assign+acknowledge", {"assignee": self.me["username"], "status": "acknowledged"}),
            ("api: PATCH severity", {"severity": random.choice(["P2", "P3", "P4"])}),
        ]
        for name, change in steps:
            with self.client.patch(f"/api/v1/tickets/{pk}/", json=change, name=name, catch_response=True) as r:
                body = _json(r)
                if body is None or any(body.get(k) != v for k, v in change.items()):
                    return _fail(r, "change not applied") if body is not None else None
        with self.client.post(f"/api/v1/tickets/{pk}/messages/", json={"body": "Looking into it (load test)."},
                              name="api: POST message [id] (staff)", catch_response=True) as r:
            if _json(r, 201) is None:
                return
        with self.client.patch(f"/api/v1/tickets/{pk}/", json={"status": "resolved"}, name="api: PATCH resolve",
                               catch_response=True) as r:
            body = _json(r)
            if body is not None and body["status"] != "resolved":
                _fail(r, "not resolved")


class Baseline(HttpUser):
    """The bare view, in the same run and the same server: the ratio baseline."""

    fixed_count = 1
    wait_time = constant(0.5)

    @task
    def trivial(self):
        with self.client.get("/bench/trivial", name="baseline: /bench/trivial", catch_response=True) as r:
            _json(r)
