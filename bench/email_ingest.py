#!/usr/bin/env python
"""Inbound mail through parse + store + placement on PostgreSQL, one process: messages/s for a
generated mix (plain, HTML-only, multipart/alternative, with a 100 kB attachment), one message
per transaction and in the poller's batches, and the peak Python memory while ingesting one
message with a 25 MB attachment.

    .venv/bin/python bench/email_ingest.py [--messages 400] [--runs 1]

Every message carries the receiving server's Authentication-Results, checked as in production
(EMAIL_AUTHSERV_ID=mx.aragora.ai; run with EMAIL_AUTHSERV_ID= to time mail without the check).

Targets: 200 messages/s on one worker; the 25 MB attachment streamed, not held twice (a peak of
at most 1.5× the message). Uses the database `aragora_bench_mail` (created once).
"""
import argparse
import os
import statistics
import sys
import time
import tracemalloc
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ensure_database  # noqa: E402


AUTHENTICATION_RESULTS = (
    "mx.aragora.ai; dkim=pass (2048-bit key) header.d=bench.example header.s=sel1 header.b=Xb7dK2pQ; "
    "spf=pass (mx.aragora.ai: domain of bounce@bench.example designates 203.0.113.25 as permitted sender) "
    "smtp.mailfrom=bounce@bench.example; dmarc=pass (p=reject dis=none) header.from=bench.example")


def message(kind: str, n: int, sender: str, account_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, "support@aragora.ai"
    msg["Subject"], msg["Message-ID"] = f"[P3] Bench {kind} {n}", make_msgid(domain="bench.example")
    # As the receiving server writes it (EMAIL_AUTHSERV_ID is set below): the check is timed too.
    msg["Authentication-Results"] = AUTHENTICATION_RESULTS
    body = (f"Organization: Bench\nAccount ID: {account_id}\nEnvironment: Production\nAffected Users: 10\n\n"
            f"Issue Description:\n- Slow responses, run {n}\n\nBusiness Impact:\n- Reports late\n")
    if kind == "html":
        msg.set_content(f"<html><body><p>{body.replace(chr(10), '<br>')}</p><script>x()</script></body></html>",
                        subtype="html")
    else:
        msg.set_content(body)
        if kind == "multipart":
            msg.add_alternative(f"<p>{body}</p>", subtype="html")
        elif kind == "attachment":
            msg.add_attachment(os.urandom(100_000), maintype="application", subtype="octet-stream",
                               filename="trace.bin")
    return bytes(msg)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aragora_bench_mail")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--runs", type=int, default=1, help="timed runs in one process; the median is judged")
    args = parser.parse_args()
    ensure_database(args.database_url)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="aragora_support.settings", ARAGORA_DEMO="1",
                      LOG_LEVEL="WARNING", CACHE_URL="locmemcache://", ATTACHMENT_MAX_BYTES=str(30 * 2**20),
                      MEDIA_ROOT="/tmp/aragora-bench-mail-media")
    os.environ.setdefault("EMAIL_AUTHSERV_ID", "mx.aragora.ai")  # EMAIL_AUTHSERV_ID= times mail without the check
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import CustomerRole, Organization, Tier, User
    from email_intake.services import email_ingest

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Mail bench", tier=Tier.objects.get(code="pro"))
    sender = f"bench-{org.pk}@bench.example"
    User.objects.create(username=sender, email=sender, organization=org, customer_role=CustomerRole.MEMBER)
    _throughput(sender, org.account_id, messages=args.messages, runs=args.runs)
    _large_attachment(email_ingest, sender)


def _throughput(sender: str, account_id: str, *, messages: int, runs: int) -> None:
    """Each run times the same mix twice: one message per transaction (email_ingest), and in
    the batches the IMAP poller and the ingest_email command use (email_ingest_many), which the
    target is judged on."""
    from email_intake.batches import batches
    from email_intake.services import email_ingest, email_ingest_many

    def one_by_one(raws):
        return [email_ingest(raw, mailbox="support") for raw in raws]

    def batched(raws):
        return [inbound for batch in batches(enumerate(raws))
                for inbound in email_ingest_many([raw for _, raw in batch], mailbox="support")]

    kinds = ["plain", "html", "multipart", "attachment"]
    rates: dict[str, list[float]] = {"one by one": [], "in batches": []}
    for _ in range(runs):
        for label, ingest in (("one by one", one_by_one), ("in batches", batched)):
            # Fresh messages each time (new Message-IDs): a repeat would only be deduplicated.
            raws = [message(kinds[i % 4], i, sender, account_id) for i in range(messages)]
            started = time.perf_counter()
            outcomes = [getattr(inbound, "outcome", inbound) for inbound in ingest(raws)]
            wall = time.perf_counter() - started
            assert outcomes == ["ticket_created"] * len(raws), set(map(str, outcomes))
            rates[label].append(len(raws) / wall)
            print(f"{len(raws)} messages (plain, HTML, multipart, 100 kB attachment) {label}: {wall:.2f} s, "
                  f"{rates[label][-1]:.0f} messages/s")
    alone, batched_rate = (statistics.median(rates[label]) for label in rates)
    print(f"median of {runs} run(s): {alone:.0f} messages/s one by one; {batched_rate:.0f} messages/s in the "
          f"poller's batches (target 200/s): {'met' if batched_rate >= 200 else 'NOT met'}")


def _large_attachment(email_ingest, sender: str) -> None:
    big = EmailMessage()
    big["From"], big["To"], big["Subject"] = sender, "support@aragora.ai", "[P3] Heap dump"
    big["Message-ID"], big["Authentication-Results"] = make_msgid(domain="bench.example"), AUTHENTICATION_RESULTS
    big.set_content("Dump attached")
    big.add_attachment(os.urandom(25 * 2**20), maintype="application", subtype="octet-stream", filename="heap.bin")
    raw = bytes(big)
    del big
    rss_before = _reset_peak_rss()
    tracemalloc.start()
    started = time.perf_counter()
    inbound = email_ingest(raw, mailbox="support")
    wall = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = _peak_rss() - rss_before if rss_before is not None else None
    assert inbound.ticket.attachments.get().size == 25 * 2**20, "the attachment was not stored whole"
    ratio = peak / len(raw)
    print(f"25 MB attachment ({len(raw) / 2**20:.1f} MB message, base64): outcome {inbound.outcome} in {wall:.2f} s, "
          f"peak Python memory {peak / 2**20:.1f} MB ({ratio:.2f}× the message; target ≤ 1.5×): "
          f"{'met' if ratio <= 1.5 else 'NOT met'}"
          + (f"; peak RSS {rss_growth:+.0f} MB over the process before it" if rss_growth is not None else ""))


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        return int(status.read().split(f"{field}:")[1].split()[0]) / 1024


def _reset_peak_rss() -> float | None:
    """The RSS now, with the kernel's peak (VmHWM) reset to it; None where Linux's /proc is not."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return _status_mb("VmRSS")
    except OSError:
        return None


def _peak_rss() -> float:
    return _status_mb("VmHWM")


if __name__ == "__main__":
    sys.exit(main())
