"""Scale data for benchmarks: `seed_demo --orgs N --tickets M` (issue 16, docs/performance.md).

Organisations (one admin and one member each), tickets with plausible SLA fields, their threads
(about three messages a ticket: replies both ways and internal notes) and their event logs, with
text drawn from a skewed vocabulary so that searches hit anywhere from a handful of tickets to
hundreds of thousands.

The rows are generated as PostgreSQL COPY text (tab-separated, \\N for NULL), because a million
tickets bring about 3 M messages and 7 M events and Python is the bottleneck: per-row work is
plain integer arithmetic on epoch seconds, timestamps are formatted through precomputed day and
time-of-day strings, and random draws are made a chunk at a time. On PostgreSQL a second process
generates while this one streams COPY (the database spends about as long again computing the
generated tsvector columns); each chunk's tickets go in after its messages, with their thread
vectors computed in the same INSERT (migration tickets 0011's function, the trigger skipped); on
SQLite the same rows go through executemany, slower but working.

Ids are explicit, reserved from the sequences up front, so foreign keys are written without
round trips. Bulk tickets get sla_next_check_at NULL: the SLA sweep reads it, and a worker started
on a bench database must not find a million tickets due at once (their breaches and warnings are
recorded here already, as the sweep would have).
"""
from __future__ import annotations

import functools
import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from itertools import accumulate

DEMO_PASSWORD = "aragora-demo"
CHUNK_TICKETS = 25_000
PHRASES = 200_000
LOADERS = 3  # processes that generate and COPY (see _loader)
# Upper bounds of rows per ticket, to reserve message and event ids before generating.
MAX_MESSAGES = 8
MAX_EVENTS = 21  # created, assigned, 4 status changes, 8 messages, 3 breaches, 3 escalations

TICKET_COLUMNS = (
    "id", "organization_id", "requester_id", "assignee_id", "subject", "description", "severity", "status",
    "channel", "environment", "affected_users", "business_impact", "already_tried", "queue", "created_at",
    "updated_at", "resolved_at", "acknowledged_at", "first_response_at", "ack_due_at", "ack_warn_at",
    "response_due_at", "response_warn_at", "resolution_due_at", "resolution_warn_at", "resolution_paused_at",
    "resolution_paused_seconds", "ack_warned_at", "ack_breached_at", "response_warned_at", "response_breached_at",
    "resolution_warned_at", "resolution_breached_at", "escalation_level", "next_escalation_at", "sla_next_check_at",
)
MESSAGE_COLUMNS = ("id", "ticket_id", "author_id", "body", "is_internal", "created_at")
EVENT_COLUMNS = ("id", "ticket_id", "actor_id", "kind", "data", "created_at")
ORG_COLUMNS = ("id", "name", "account_id", "created_at", "tier_id", "slack_channel", "slack_posts_all_tickets",
               "mfa_required")
USER_COLUMNS = (
    "id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active",
    "date_joined", "customer_role", "timezone", "organization_id", "slack_user_id", "notify_nps_survey",
    "notify_staff_reply", "notify_status_change", "notify_ticket_receipt",
)
# Column kinds for the SQLite path, which turns the COPY text back into values.
TIMESTAMP_COLUMNS = {c for c in TICKET_COLUMNS + MESSAGE_COLUMNS + ORG_COLUMNS + USER_COLUMNS
                     if c.endswith("_at") or c == "date_joined"}
BOOLEAN_COLUMNS = {"is_internal", "slack_posts_all_tickets", "mfa_required", "is_superuser", "is_staff", "is_active",
                   "notify_nps_survey", "notify_staff_reply", "notify_status_change", "notify_ticket_receipt"}

# -- vocabulary ----------------------------------------------------------------------------------
# Ranked most common first; drawn with Zipf-Mandelbrot weights 1/(rank + 10). With ~28 content
# words a ticket, the top words are in roughly a quarter of all tickets, rank ~500 in a few
# thousand, the synthetic tail (rank > 400) in tens to hundreds each; an AND of three words finds
# a handful. Filler words are English stop words, which to_tsvector drops, so they only add length.
COMMON = ["error", "api", "connector", "timeout", "debate", "token", "request", "webhook", "dashboard",
          "latency", "export", "login", "model", "report", "sdk", "billing", "deploy", "quota", "stream",
          "sync"]
MID = """account agent alert analytics archive audit auth backend backup batch browser bucket cache callback
certificate chart checkout cli client cluster config console consumer container cookie cors cpu credential
cron csv database dataset deadlock dependency digest dns docker domain download email embedding encoding
endpoint environment event failover field filter firewall folder gateway gpu graph handshake header heartbeat
hook host import index ingestion instance integration invoice ip jwt kafka key kubernetes label lambda ldap
limit lineage load locale lock log mapping memory merge metadata metric migration mobile monitor mtls
namespace network node notification oauth okta outage pagination parser partition password patch payload
permission pipeline plugin policy pool postgres preview processor profile prompt provider proxy publish
python query queue ratelimit record redirect redis refresh region registry release replay replica repository
response retention retry role rollback rotation router runtime saml sandbox scheduler schema scope script
search secret segment server session shard signature slack snapshot socket spreadsheet sql ssl ssh staging
storage subscription summary tenant terraform thread throttle ticket timezone topic trace transcript
transform trigger upload upstream usage user utf8 validation vault version video view volume warehouse
websocket widget worker workflow workspace yaml zapier""".split()
SYLLABLES = ["ka", "lo", "mi", "ran", "tes", "vo", "zel", "qui", "dor", "fen", "gra", "hul", "jin", "ply",
             "sar", "tor", "ux", "wen", "bri", "cas"]
FILLER = ["the", "a", "we", "our", "is", "after", "since", "when", "and", "on", "in", "with", "from", "for",
          "it", "this", "again.", "today.", "now.", "still", "but", "every", "some", "all"]
STAFF_OPENERS = ["Thanks for the report.", "We are looking into it.", "Could you share a request id?",
                 "A fix is rolling out.", "We reproduced this.", "Please try again now."]
CUSTOMER_OPENERS = ["Still happening.", "Here are more details.", "Thanks, that helped.", "Any update?",
                    "Attached the logs."]
NOTE_OPENERS = ["Internal:", "Checked the logs:", "Escalating to platform:", "Looks related to"]
SUBJECT_TEMPLATES = ["{} {} fails with {}", "{} {} returns {}", "{} timeout on {} {}", "Cannot {} {} {}",
                     "{} {} slow since {}", "{} errors from {} {}"]


def vocabulary(size: int = 20_000) -> list[str]:
    words = COMMON + MID
    n = len(SYLLABLES)
    i = 0
    while len(words) < size:  # pronounceable, distinct, and distinct after stemming: 3 syllables
        a, b, c = i % n, (i // n) % n, (i // (n * n)) % n
        words.append(SYLLABLES[a] + SYLLABLES[b] + SYLLABLES[c])
        i += 1
    return words


def _mixed_weights(words: list[str]) -> tuple[list[str], list[float]]:
    """Content words (55% of tokens, Zipf-Mandelbrot) and filler (45%) as one cumulative table."""
    content = [1.0 / (rank + 10) for rank in range(len(words))]
    total = sum(content)
    content = [w * 0.55 / total for w in content]
    filler = [0.45 / len(FILLER)] * len(FILLER)
    return words + FILLER, list(accumulate(content + filler))


# -- plain inputs the generator needs (picklable: it runs in a second process on PostgreSQL) ------
@dataclass
class Plan:
    n_orgs: int
    n_tickets: int
    seed: int
    now: int                      # epoch seconds
    run: str
    org_base: int
    user_base: int
    ticket_base: int
    message_base: int
    event_base: int
    tiers: list[int]              # tier id per organisation
    priority: set[int]            # tier ids whose tickets go to the Priority Queue
    # targets[tier_id][severity] = (ack, response, resolution) in seconds, None = no target
    targets: dict[int, dict[str, tuple]] = field(default_factory=dict)
    staff: list[int] = field(default_factory=list)
    password: str = ""
    # ladders[tier_id][level number] = the level's title (the escalation history names it)
    ladders: dict[int, dict[int, str]] = field(default_factory=dict)

    def admin_id(self, org_index: int) -> int:
        return self.user_base + 2 * org_index

    def member_id(self, org_index: int) -> int:
        return self.user_base + 2 * org_index + 1


UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def target_seconds(amount, unit) -> int | None:
    # Wall-clock, not coverage time: a Pro ticket's "4 business hours" becomes 4 hours here. Exact
    # enough for scale data, and a million calls of the calendar would cost minutes (tickets.sla
    # computes the real thing for every ticket written through the services).
    return None if amount is None else amount * UNIT_SECONDS[unit]


class Clock:
    """Timestamps as COPY text through lookup tables: formatting a datetime per value would be
    the slowest part of the generator."""

    def __init__(self, first: int, last: int):
        self.day0 = first // 86400 - 1
        days = range(self.day0, last // 86400 + 2)
        self.days = [datetime.fromtimestamp(d * 86400, dt_timezone.utc).strftime("%Y-%m-%d") for d in days]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

    def text(self, s: int) -> str:
        return f"{self.days[s // 86400 - self.day0]} {self.hms[s % 86400]}+00"

    def iso(self, s: int) -> str:
        return f"{self.days[s // 86400 - self.day0]}T{self.hms[s % 86400]}+00:00"


N = "\\N"
YEAR = 365 * 86400
SEVERITIES = (["P1"] * 5 + ["P2"] * 15 + ["P3"] * 45 + ["P4"] * 35)
CHANNELS = ["portal"] * 50 + ["api"] * 20 + ["email"] * 20 + ["slack"] * 7 + ["phone"] * 3
# Old tickets are mostly done; the last month's are mostly open.
OLD_STATUSES = (["closed"] * 70 + ["resolved"] * 22 + ["waiting_on_customer"] * 3 + ["in_progress"] * 3
                + ["acknowledged"] + ["new"])
RECENT_STATUSES = (["new"] * 12 + ["acknowledged"] * 10 + ["in_progress"] * 25 + ["waiting_on_customer"] * 13
                   + ["resolved"] * 25 + ["closed"] * 15)
# Extra messages after the first staff reply (avg ~2 for worked tickets: ~3 a ticket with it).
EXTRA_WORKED = [0, 1, 1, 2, 2, 2, 3, 3, 4, 5]
EXTRA_UNWORKED = [0, 0, 1]
MESSAGE_KINDS = ["customer"] * 45 + ["staff"] * 35 + ["note"] * 20
LEVELS = [1] * 20 + [2] * 40 + [3] * 25 + [4] * 15


def organizations(plan: Plan, clock: Clock) -> tuple[list[str], list[str]]:
    """COPY lines of the organisations and their two people each (password hashed once, by the caller)."""
    rng = random.Random(f"{plan.seed}:{plan.run}")  # account ids are unique across runs
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    chars = rng.choices(alphabet, k=12 * plan.n_orgs)
    orgs, users = [], []
    for i in range(plan.n_orgs):
        oid = plan.org_base + i
        joined = clock.text(plan.now - YEAR - 86400 * (i % 300))
        orgs.append(f"{oid}\tScale Org {plan.run}-{i}\tara_{''.join(chars[12 * i:12 * i + 12])}\t{joined}\t"
                    f"{plan.tiers[i]}\t\tf\tf\n")
        for uid, role in ((plan.admin_id(i), "admin"), (plan.member_id(i), "member")):
            users.append(f"{uid}\t{plan.password}\tf\tscale-{plan.run}-{i}-{role}\tScale{i}\t{role.title()}\t"
                         f"{role}@scale-{plan.run}-{i}.example\tf\tt\t{joined}\t{role}\t\t{oid}\t\tt\tt\tt\tt\n")
    return orgs, users


@functools.lru_cache(maxsize=2)
def text_pool(seed: int, n_tickets: int):
    """The vocabulary, its cumulative weights, and a pool of pre-joined ten-word phrases each drawn
    independently from the mixed distribution: a description is four of them, a message two.
    Drawing every word of a million descriptions and three million messages one by one would be
    most of the generator's time. Cached, and made before the loaders fork, which share it."""
    rng = random.Random(seed + 2)
    words = vocabulary()
    content_cum = list(accumulate(1.0 / (rank + 10) for rank in range(len(words))))
    mixed_words, mixed_cum = _mixed_weights(words)
    pool_words = rng.choices(mixed_words, cum_weights=mixed_cum, k=10 * min(PHRASES, 1000 + 2 * n_tickets))
    phrases = [" ".join(pool_words[i:i + 10]) for i in range(0, len(pool_words), 10)]
    return words, content_cum, phrases


def ticket_chunks(plan: Plan, part: int = 0, parts: int = 1):
    """Yield (ticket lines, message lines, event lines) per CHUNK_TICKETS tickets: of the chunks
    numbered part, part + parts, ... so that `parts` processes share the work. Each chunk has its
    own random state, time slice and id ranges, so the data is the same however it is shared."""
    words, content_cum, phrases = text_pool(plan.seed, plan.n_tickets)
    rng = random.Random(plan.seed + 1)
    start = plan.now - YEAR
    clock = Clock(start - 86400, plan.now + 2 * YEAR)
    ts, iso = clock.text, clock.iso
    # Organisations of skewed sizes (a few large customers, a long tail), ~1/(rank+1)^0.8.
    org_cum = list(accumulate(1.0 / (r + 1) ** 0.8 for r in range(plan.n_orgs)))
    org_order = list(range(plan.n_orgs))
    rng.shuffle(org_order)
    staff = plan.staff
    now = plan.now
    for c0 in range(part * CHUNK_TICKETS, plan.n_tickets, parts * CHUNK_TICKETS):
        n = min(CHUNK_TICKETS, plan.n_tickets - c0)
        rng = random.Random(f"{plan.seed}:{c0}")
        mid, eid = plan.message_base + MAX_MESSAGES * c0, plan.event_base + MAX_EVENTS * c0
        # Creation times sorted within the chunk's slice of the year: ids grow with time, as in
        # production.
        lo, hi = start + (YEAR - 600) * c0 // plan.n_tickets, start + (YEAR - 600) * (c0 + n) // plan.n_tickets
        created = sorted(lo + int(rng.random() * (hi - lo)) for _ in range(n))
        orgs = rng.choices(org_order, cum_weights=org_cum, k=n)
        sevs = rng.choices(SEVERITIES, k=n)
        chans = rng.choices(CHANNELS, k=n)
        old_st = rng.choices(OLD_STATUSES, k=n)
        new_st = rng.choices(RECENT_STATUSES, k=n)
        fr = [rng.random() for _ in range(6 * n)]
        subj = rng.choices(words, cum_weights=content_cum, k=3 * n)
        ph = rng.choices(phrases, k=4 * n + 2 * MAX_MESSAGES * n)
        kinds = rng.choices(MESSAGE_KINDS, k=MAX_MESSAGES * n)
        extra_w = rng.choices(EXTRA_WORKED, k=n)
        extra_u = rng.choices(EXTRA_UNWORKED, k=n)
        levels = rng.choices(LEVELS, k=n)
        picks = [rng.randrange(1 << 30) for _ in range(n)]
        T, M, E = [], [], []
        kp = 0
        bp = 4 * n
        for j in range(n):
            tid = plan.ticket_base + c0 + j
            oi = orgs[j]
            oid = plan.org_base + oi
            tier = plan.tiers[oi]
            pick = picks[j]
            requester = plan.user_base + 2 * oi + (pick & 1)
            c = created[j]
            sev, chan = sevs[j], chans[j]
            status = old_st[j] if now - c > 30 * 86400 else new_st[j]
            ack_t, resp_t, resol_t = plan.targets.get(tier, {}).get(sev, (None, None, None))
            u = fr[6 * j:6 * j + 6]
            lim = now - 60
            worked = status in ("in_progress", "waiting_on_customer", "resolved", "closed")
            ack_at = first = resolved = paused = closed = None
            if status != "new":
                ack_at = min(lim, c + 60 + int(u[0] * 1.2 * (ack_t or resp_t or 7200)))
            if worked or (status == "acknowledged" and pick & 2):
                first = min(lim, c + 120 + int(u[1] * 1.3 * (resp_t or 86400)))
                ack_at = min(ack_at, first)
            if status in ("resolved", "closed"):
                resolved = min(lim, first + 600 + int(u[2] * 1.3 * (resol_t or 5 * 86400)))
                paused = resolved
                if status == "closed":
                    closed = min(lim, resolved + 3 * 86400)
            elif status == "waiting_on_customer":
                paused = min(lim, first + 600 + int(u[2] * 86400))
            assignee = staff[pick % len(staff)] if staff and status != "new" and pick % 10 < 6 else None
            actor = assignee or (staff[(pick >> 4) % len(staff)] if staff else None)

            # SLA clocks: due/warn kept even once stopped (as tickets.sla does); warnings and
            # breaches recorded at their moment where the clock ran past it.
            sla = []
            breaches = []
            for clock_name, target, stop in (("ack", ack_t, ack_at), ("response", resp_t, first),
                                             ("resolution", resol_t, resolved or paused)):
                if target is None:
                    sla += [N, N, N, N]
                    continue
                due, warn = c + target, c + (target * 3) // 4
                sla += [ts(due), ts(warn)]
                end = stop if stop is not None else now
                warned = ts(warn + 30) if end > warn + 30 else N
                breached = N
                if end > due + 60:
                    breached = ts(due + 60)
                    breaches.append((due + 60, clock_name, due))
                sla += [warned, breached]
            # sla: due, warn, warned, breached of ack (0-3), response (4-7), resolution (8-11)
            level = levels[j] if breaches and sev in ("P1", "P2") else 1

            # the thread
            msgs = []
            if first is not None:
                msgs.append((first, actor, False, True))
                n_extra = extra_w[j]
                begin, finish = first, (paused or lim)
            else:
                n_extra = extra_u[j]
                begin, finish = c, lim
            span = max(finish - begin, n_extra + 1)
            for k in range(n_extra):
                at = begin + span * (k + 1) // (n_extra + 1)
                kind = kinds[kp]
                kp += 1
                if kind == "customer" or actor is None:
                    msgs.append((at, requester, False, False))
                elif kind == "staff" and first is not None:
                    msgs.append((at, actor, False, True))
                else:
                    msgs.append((at, actor, True, True))
            last = c
            events = [(c, requester, "created", f'{{"channel": "{chan}", "severity": "{sev}"}}')]
            if assignee is not None:
                events.append((ack_at, assignee, "assigned", f'{{"old": null, "new": {assignee}}}'))
            if ack_at is not None:
                events.append((ack_at, actor, "status_changed",
                               '{"old": "new", "new": "acknowledged", "reopened": false}'))
            if worked:
                events.append((first + 1, actor, "status_changed",
                               '{"old": "acknowledged", "new": "in_progress", "reopened": false}'))
            if status == "waiting_on_customer":
                events.append((paused, actor, "status_changed",
                               '{"old": "in_progress", "new": "waiting_on_customer", "reopened": false}'))
            if resolved is not None:
                events.append((resolved, actor, "status_changed",
                               '{"old": "in_progress", "new": "resolved", "reopened": false}'))
            if closed is not None:
                events.append((closed, actor, "status_changed",
                               '{"old": "resolved", "new": "closed", "reopened": false}'))
            for at, author, internal, by_staff in msgs:
                if internal:
                    text = NOTE_OPENERS[(at >> 3) % len(NOTE_OPENERS)]
                elif by_staff:
                    text = STAFF_OPENERS[(at >> 3) % len(STAFF_OPENERS)]
                else:
                    text = CUSTOMER_OPENERS[(at >> 3) % len(CUSTOMER_OPENERS)]
                M.append(f"{mid}\t{tid}\t{author}\t{text} {ph[bp]} {ph[bp + 1]}\t{'t' if internal else 'f'}\t"
                         f"{ts(at)}\n")
                bp += 2
                events.append((at, author, "note_added" if internal else "replied",
                               f'{{"message": {mid}, "by_staff": {"true" if by_staff else "false"}}}'))
                mid += 1
            for at, clock_name, due in breaches:
                events.append((at, None, "sla_breached", f'{{"clock": "{clock_name}", "due_at": "{iso(due)}"}}'))
            if level > 1:
                # The sweep's steps up the ladder, from the first breach, one level each quarter hour.
                ladder = plan.ladders.get(tier, {})
                level = min(level, max(ladder, default=1))
                start = min(at for at, _, _ in breaches)
                for number in range(2, level + 1):
                    data = json.dumps({"level": number, "title": ladder[number], "trigger": "elapsed", "reason": ""})
                    events.append((min(lim, start + 900 * (number - 2)), None, "escalated", data.replace("\\", "\\\\")))
            for at, who, kind, data in events:
                E.append(f"{eid}\t{tid}\t{N if who is None else who}\t{kind}\t{data}\t{ts(at)}\n")
                eid += 1
                if at > last:
                    last = at
            w0 = 4 * j
            subject = SUBJECT_TEMPLATES[pick % len(SUBJECT_TEMPLATES)].format(*subj[3 * j:3 * j + 3])
            subject = subject[0].upper() + subject[1:]
            description = f"{ph[w0]} {ph[w0 + 1]}.\\n\\n{ph[w0 + 2]} {ph[w0 + 3]}."
            T.append("\t".join((
                str(tid), str(oid), str(requester), N if assignee is None else str(assignee), subject, description,
                sev, status, chan, "staging" if pick % 13 == 0 else "production", f"{1 + pick % 500}",
                "", "", "priority" if tier in plan.priority else "standard", ts(c), ts(last),
                N if resolved is None else ts(resolved), N if ack_at is None else ts(ack_at),
                N if first is None else ts(first),
                sla[0], sla[1], sla[4], sla[5], sla[8], sla[9], N if paused is None else ts(paused), "0",
                sla[2], sla[3], sla[6], sla[7], sla[10], sla[11],
                str(level), N, N)) + "\n")
        yield T, M, E


# -- loading -------------------------------------------------------------------------------------
BULK_TABLES = ("tickets_ticket", "tickets_message", "tickets_ticketevent")


class Phases:
    def __init__(self, out):
        self.out, self.started, self.last, self.timings = out, time.monotonic(), time.monotonic(), {}

    def done(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = now - self.last
        self.out(f"  {name}: {now - self.last:.1f} s")
        self.last = now

    @property
    def total(self) -> float:
        return time.monotonic() - self.started


def seed_scale(n_orgs: int, n_tickets: int, seed: int = 42, out=print, *, portable: bool | None = None) -> Phases:
    """Add n_orgs organisations and n_tickets tickets (with threads and events); returns the timings.
    `portable`: the executemany path (SQLite's) on any database; by default, COPY on PostgreSQL."""
    from django.db import connection, transaction

    from tickets import list_cache

    phases = Phases(out)
    if portable is None:
        portable = connection.vendor != "postgresql"
    if not portable:
        plan = _load_postgres(n_orgs, n_tickets, seed, connection, phases)
    else:
        with transaction.atomic():
            plan = _plan(n_orgs, n_tickets, seed, connection)
            _load_portable(plan, connection, phases)
    # The rows bypassed the services, which is where cached ticket lists learn of changes.
    list_cache.invalidate_many(range(plan.org_base, plan.org_base + n_orgs))
    phases.done("list caches invalidated")
    return phases


def _plan(n_orgs, n_tickets, seed, connection) -> Plan:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import EscalationLevel, SlaTarget, Tier, User

    tiers = list(Tier.objects.filter(ticket_portal=True).order_by("rank"))
    if not tiers:
        raise ValueError("No tier opens tickets in the portal: run the migrations first.")
    rng = random.Random(seed)
    # Paying customers: about two Pro organisations for each Enterprise one.
    weights = [2 if t.code == Tier.PRO else 1 for t in tiers]
    tier_of_org = [t.pk for t in rng.choices(tiers, weights=weights, k=n_orgs)]
    targets: dict[int, dict[str, list]] = {t.pk: {} for t in tiers}
    kinds = {"acknowledgement": 0, "response": 1, "resolution": 2}
    for tier_id, severity, kind, amount, unit in SlaTarget.objects.filter(tier__in=tiers, tier__has_sla=True).values_list(
            "tier_id", "severity__code", "kind", "amount", "unit"):
        targets[tier_id].setdefault(severity, [None, None, None])[kinds[kind]] = target_seconds(amount, unit)
    ladders: dict[int, dict[int, str]] = {t.pk: {} for t in tiers}
    for tier_id, number, title in EscalationLevel.objects.filter(tier__in=tiers).values_list("tier_id", "number", "title"):
        ladders[tier_id][number] = title
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take hours
    run = f"{time.time_ns() // 1000:x}"  # distinct per run: usernames and names carry it
    staff = list(User.objects.filter(is_staff=True, is_active=True, is_superuser=False).order_by("pk")
                 .values_list("pk", flat=True)[:8])
    if not staff:  # an empty database: a few engineers to assign the tickets to
        group = Group.objects.filter(name=roles.SUPPORT_ENGINEER).first()
        for k in range(4):
            user = User.objects.create(username=f"scale-{run}-engineer-{k}", is_staff=True, password=password,
                                       email=f"engineer-{k}@scale-{run}.aragora.ai", first_name="Scale",
                                       last_name=f"Engineer {k}")
            if group:
                user.groups.add(group)
            staff.append(user.pk)
    n_messages, n_events = MAX_MESSAGES * n_tickets, MAX_EVENTS * n_tickets
    return Plan(
        n_orgs=n_orgs, n_tickets=n_tickets, seed=seed, now=int(time.time()), run=run,
        org_base=_reserve(connection, "accounts_organization", n_orgs),
        user_base=_reserve(connection, "accounts_user", 2 * n_orgs),
        ticket_base=_reserve(connection, "tickets_ticket", n_tickets),
        message_base=_reserve(connection, "tickets_message", n_messages),
        event_base=_reserve(connection, "tickets_ticketevent", n_events),
        tiers=tier_of_org, priority={t.pk for t in tiers if t.priority_queue},
        targets={k: {s: tuple(v) for s, v in d.items()} for k, d in targets.items()}, staff=staff, password=password,
        ladders=ladders,
    )


def _reserve(connection, table: str, count: int) -> int:
    """The first of `count` ids taken from the table's sequence; later inserts get ids above them.
    Message and event ranges are upper bounds (unused ids are gaps, which are harmless)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"nextval(pg_get_serial_sequence('{table}', 'id')) + %s - 1)", [count])
            return cursor.fetchone()[0] - count + 1
        # SQLite: the transaction holds the write lock, so the max is ours to build on.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0] + 1


def _load_postgres(n_orgs, n_tickets, seed, connection, phases: Phases) -> Plan:
    """COPY on two connections at once, each chunk its own transaction, with the bulk tables'
    secondary indexes and foreign keys dropped meanwhile and rebuilt after (two at a time).

    Not one transaction: PostgreSQL runs one COPY on one core, and computing the tsvectors of a
    million tickets and three million messages is most of the load. With the generator in a third
    process, both cores stay busy. The price is atomicity, so a failure deletes what was loaded
    (the reserved id ranges) and the indexes and foreign keys are rebuilt whatever happens."""
    from django.db import transaction

    with transaction.atomic():
        plan = _plan(n_orgs, n_tickets, seed, connection)
        with connection.cursor() as cursor:
            # Secondary indexes and foreign keys as the database has them now, so nothing is
            # forgotten when they are rebuilt (primary keys stay: other tables' foreign keys hang
            # on them). Building an index once costs far less than maintaining it row by row, and
            # checking a foreign key once is one join instead of a lookup per row.
            cursor.execute("""
                SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
                 WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname
                                      AND c.contype IN ('p', 'u', 'x'))
                 ORDER BY i.tablename, i.indexname""", [list(BULK_TABLES)])
            indexes = cursor.fetchall()
            cursor.execute("""
                SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2""", [list(BULK_TABLES)])
            foreign_keys = cursor.fetchall()
            # Staff made by _plan leave deferred FK checks pending; ALTER TABLE refuses to run then.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name, _ in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for _, name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            clock = Clock(plan.now - 3 * YEAR, plan.now)
            orgs, users = organizations(plan, clock)
            _copy(cursor.cursor, "accounts_organization", ORG_COLUMNS, "".join(orgs))
            _copy(cursor.cursor, "accounts_user", USER_COLUMNS, "".join(users))
    phases.done(f"organisations and users ({len(orgs)} + {len(users)}); "
                f"dropped {len(indexes)} indexes, {len(foreign_keys)} foreign keys")
    try:
        _copy_in_parallel(plan, connection, phases)
    except BaseException:
        _delete_loaded(plan, connection)
        raise
    finally:
        _rebuild(indexes, foreign_keys, connection, phases)
    return plan


def _workers(connection, count: int):
    """Raw psycopg connections of our own, configured as Django configures its own."""
    params = connection.get_connection_params()
    return [connection.get_new_connection(params) for _ in range(count)]


def _run_threads(target, items, conns):
    """Run target(conn, item) for every item from a shared queue, one thread per connection;
    re-raise the first failure."""
    import queue as queue_module
    import threading

    work = queue_module.Queue()
    for item in items:
        work.put(item)
    errors = []

    def loop(conn):
        while not errors:
            try:
                item = work.get_nowait()
            except queue_module.Empty:
                return
            try:
                target(conn, item)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=loop, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _loader(plan: Plan, params: dict, get_new_connection, results, part: int, parts: int) -> None:
    """A child process: generate its share of the chunks and COPY each on a connection of its own.
    Generating and loading in the same process costs no hand-over (pickling 2 GB of text through
    a pipe and re-sending it from the parent took a core for 40 s); with LOADERS of them, while
    one generates another's backend loads, so both cores stay busy."""
    try:
        conn = get_new_connection(params)
        counts = [0, 0, 0]
        with conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            _skip_thread_trigger(cur)
            cur.execute(f"CREATE TEMP TABLE seed_tickets ON COMMIT DELETE ROWS AS "
                        f"SELECT {', '.join(TICKET_COLUMNS)} FROM tickets_ticket WITH NO DATA")
        conn.commit()
        for chunk in ticket_chunks(plan, part, parts):
            texts = ["".join(lines) for lines in chunk]
            with conn.cursor() as cur:
                # Tickets last, then commit at once: their insert trigger updates the feedback
                # tallies (tickets of neighbouring days share rows), so its row locks must be
                # held for moments, not for a whole chunk, or the loaders take turns.
                for k in (1, 2):
                    _copy(cur, BULK_TABLES[k], (TICKET_COLUMNS, MESSAGE_COLUMNS, EVENT_COLUMNS)[k], texts[k])
                if chunk[0]:
                    _insert_tickets_with_threads(cur, plan, texts[0], chunk[0])
            conn.commit()
            for k in range(3):
                counts[k] += len(chunk[k])
        conn.close()
        results.put(("done", counts))
    except BaseException as exc:  # the parent must not wait forever
        results.put(("error", repr(exc)))


def _skip_thread_trigger(cur) -> None:
    """This session's message writes skip the trigger that keeps the thread's words on the ticket
    (migration tickets 0011): the loaders write a chunk's messages before its tickets, and with
    the bulk indexes dropped each row's trigger would read the whole message table. Per session,
    so a crash leaves nothing switched off."""
    cur.execute("SET aragora.bulk_load = 'on'")


def _insert_tickets_with_threads(cur, plan: Plan, text: str, lines: list[str]) -> None:
    """A chunk's tickets with their thread vectors in the same insert (no second version of a
    million rows, no UPDATE trigger run): COPY into a temporary table, then INSERT ... SELECT
    joined to `tickets_thread_vectors`, the function the trigger's recompute uses, over the
    chunk's message id range (its primary-key range: the ticket_id index is dropped meanwhile)."""
    first, last = int(lines[0].split("\t", 1)[0]), int(lines[-1].split("\t", 1)[0])
    c0 = first - plan.ticket_base
    messages = (plan.message_base + MAX_MESSAGES * c0, plan.message_base + MAX_MESSAGES * (last - plan.ticket_base + 1) - 1)
    _copy(cur, "seed_tickets", TICKET_COLUMNS, text)
    columns = ", ".join(TICKET_COLUMNS)
    cur.execute(
        f"INSERT INTO tickets_ticket ({columns}, search_replies, search_notes) "
        f"SELECT {', '.join(f's.{c}' for c in TICKET_COLUMNS)}, coalesce(v.replies, ''), coalesce(v.notes, '') "
        f"FROM seed_tickets s LEFT JOIN tickets_thread_vectors(%s, %s, %s, %s) v ON v.ticket_id = s.id",
        [first, last, *messages])


def _copy_in_parallel(plan: Plan, connection, phases: Phases) -> None:
    import multiprocessing

    import queue as queue_module

    text_pool(plan.seed, plan.n_tickets)  # once, before the fork
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    params = connection.get_connection_params()
    children = [context.Process(target=_loader, args=(plan, params, connection.get_new_connection, results,
                                                      part, LOADERS), daemon=True)
                for part in range(LOADERS)]
    for child in children:
        child.start()
    counts, failures = [0, 0, 0], []
    try:
        reported = 0
        while reported < len(children):
            try:
                kind, value = results.get(timeout=5)
            except queue_module.Empty:
                if not any(child.is_alive() for child in children):  # killed without a word
                    failures.append("a loader process died")
                    break
                continue
            reported += 1
            if kind == "error":
                failures.append(value)
            else:
                counts = [a + b for a, b in zip(counts, value)]
    finally:
        for child in children:
            child.join(timeout=600 if not failures else 5)
            if child.is_alive():
                child.terminate()
                child.join()
    if failures:
        raise RuntimeError(f"scale data loader failed: {failures[0]}")
    phases.done(f"generate + COPY in {LOADERS} processes: {counts[0]} tickets, {counts[1]} messages, "
                f"{counts[2]} events")


def _delete_loaded(plan: Plan, connection) -> None:
    """After a failed load: remove what was committed of this run, by its reserved id ranges."""
    ranges = [("tickets_message", plan.message_base, MAX_MESSAGES * plan.n_tickets),
              ("tickets_ticketevent", plan.event_base, MAX_EVENTS * plan.n_tickets),
              ("tickets_ticket", plan.ticket_base, plan.n_tickets),
              ("accounts_user", plan.user_base, 2 * plan.n_orgs),
              ("accounts_organization", plan.org_base, plan.n_orgs)]
    (conn,) = _workers(connection, 1)
    try:
        with conn.cursor() as cur:
            _skip_thread_trigger(cur)  # the tickets go too; with indexes dropped, each row's trigger reads every message
            for table, first, count in ranges:
                cur.execute(f"DELETE FROM {table} WHERE id BETWEEN %s AND %s", [first, first + count - 1])
        conn.commit()
    finally:
        conn.close()


def _rebuild(indexes, foreign_keys, connection, phases: Phases) -> None:
    """Indexes LOADERS at a time (the two GIN indexes, the slowest, first), then the foreign keys
    (validated), then ANALYZE. IF NOT EXISTS: after a failure, some may not have been dropped."""
    def weight(row):
        table, name, definition = row
        return ("USING gin" not in definition, table != "tickets_ticketevent", name)

    statements = [definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                  .replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1)
                  for row in sorted(indexes, key=weight) for definition in [row[2]]]
    conns = _workers(connection, LOADERS)
    try:
        for c in conns:
            c.autocommit = True
            c.execute("SET maintenance_work_mem = '1GB'")
        _run_threads(lambda c, sql: c.execute(sql), statements, conns)
        phases.done(f"rebuilt {len(statements)} indexes")

        def add_fk(c, row):
            table, name, definition = row
            exists = c.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [name]).fetchone()
            if not exists:
                c.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        _run_threads(add_fk, foreign_keys, conns)
        phases.done(f"re-added {len(foreign_keys)} foreign keys (validated)")
        _run_threads(lambda c, table: c.execute(f"ANALYZE {table}"),
                     ["tickets_message", "tickets_ticketevent", "tickets_ticket", "accounts_user",
                      "accounts_organization"], conns)
        phases.done("analyze")
    finally:
        for c in conns:
            c.close()


def _copy(raw_cursor, table: str, columns, text: str) -> None:
    """COPY pre-formatted text (psycopg 3's copy; it streams from a thread of its own)."""
    if not text:
        return
    with raw_cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(text)


def _load_portable(plan: Plan, connection, phases: Phases) -> None:
    """SQLite (the embedded demo): the same rows through executemany. Slower, for small runs."""
    clock = Clock(plan.now - 3 * YEAR, plan.now)
    orgs, users = organizations(plan, clock)
    with connection.cursor() as cursor:
        _insert(cursor, "accounts_organization", ORG_COLUMNS, orgs)
        _insert(cursor, "accounts_user", USER_COLUMNS, users)
        phases.done(f"organisations and users ({len(orgs)} + {len(users)})")
        counts = [0, 0, 0]
        for chunk in ticket_chunks(plan):
            for k, (table, columns, lines) in enumerate(zip(
                    BULK_TABLES, (TICKET_COLUMNS, MESSAGE_COLUMNS, EVENT_COLUMNS), chunk)):
                _insert(cursor, table, columns, lines)
                counts[k] += len(lines)
        phases.done(f"tickets, messages, events ({counts[0]} + {counts[1]} + {counts[2]})")


def _insert(cursor, table: str, columns, lines: list[str]) -> None:
    convert = [_converter(c) for c in columns]
    rows = [[f(v) for f, v in zip(convert, line.rstrip("\n").split("\t"))] for line in lines]
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _converter(column: str):
    """COPY text back to a value for the ORM's SQLite backend."""
    def none_or(f):
        return lambda v: None if v == N else f(v)
    if column in TIMESTAMP_COLUMNS:  # SQLite holds UTC as naive ISO text, as Django writes it
        return none_or(lambda v: v[:-3])
    if column in BOOLEAN_COLUMNS:
        return none_or(lambda v: v == "t")
    if column == "data":
        return none_or(lambda v: json.dumps(json.loads(v)))
    return none_or(lambda v: v.replace("\\n", "\n"))
