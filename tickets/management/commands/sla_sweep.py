from django.core.management.base import BaseCommand

from tickets.sla.sweep import sla_sweep


class Command(BaseCommand):
    help = "Run one SLA sweep now: record due warnings, breaches and escalation steps."

    def handle(self, *args, **options):
        counts = sla_sweep()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due")
