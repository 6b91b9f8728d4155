#!/usr/bin/env python
"""A concurrent writer for bench/api_tickets.py: ticket changes at a steady rate across
organisations, through the services (so each one bumps the list caches' generations as in
production), until killed.

    DATABASE_URL=... python bench/_writer.py --rate 10

Each change is a staff internal note on a random open ticket of a random organisation: it writes
the ticket (updated_at), an event and a message, and empties that organisation's and the staff
scope's cached pages, like any change anywhere. Prints one line per second: changes made.
"""
import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aragora_support.settings")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=10.0, help="changes per second")
    args = parser.parse_args()
    import django

    django.setup()
    from accounts.models import User
    from tickets import services
    from tickets.models import OPEN_STATUSES, Ticket

    author, _ = User.objects.get_or_create(username="bench-writer", defaults={"is_staff": True})
    # A sample of open tickets, one per organisation as far as they go: "across organisations".
    ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("organization_id", "-id")
               .distinct("organization_id").values_list("pk", flat=True)[:5000])
    rng = random.Random(10)
    interval, next_at, made, reported = 1.0 / args.rate, time.monotonic(), 0, time.monotonic()
    while True:
        ticket = Ticket.objects.get(pk=rng.choice(ids))
        services.message_create(ticket=ticket, author=author, body="Bench: checking in.", is_internal=True)
        made += 1
        next_at += interval
        now = time.monotonic()
        if now - reported >= 1:
            print(f"writer: {made} changes", flush=True)
            reported = now
        # A steady rate: sleep to the next slot (a slow change is not made up by a burst).
        time.sleep(max(0.0, next_at - now))
        next_at = max(next_at, now)


if __name__ == "__main__":
    main()
