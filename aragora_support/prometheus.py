"""/metrics: django-prometheus's request, database and cache metrics plus the project's own gauges.

The project's gauges are read from the database when Prometheus scrapes (ProjectCollector), not
kept in each process, so with several gunicorn workers they are the same whichever worker
answers; the library's counters are per process, summed over the workers' files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode). docs/observability.md.

Access: an allowed address (METRICS_ALLOW_IPS) or the bearer token (METRICS_TOKEN); with neither
configured the page exists only with DEBUG on.
"""
from __future__ import annotations

import hmac
import ipaddress
import os

import prometheus_client
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from accounts.models import Heartbeat, Tier
from common.client_ip import client_ip
from email_intake.models import InboundEmail, Outcome
from notifications.models import Notification, NotificationStatus
from qbr.models import RenderedReport, RenderStatus
from tickets.models import OPEN_STATUSES, SeverityCode, Ticket

CLOCKS = ("ack", "response", "resolution")
WAITING_MAIL = (Outcome.QUARANTINED, Outcome.HELD)


def _age(now, then) -> float:
    return max((now - then).total_seconds(), 0.0) if then else 0.0


class ProjectCollector:
    """The project's gauges, computed at scrape time in a fixed number of queries (QUERIES),
    whatever the number of rows: each is one aggregate over a partial or leading-column index."""

    QUERIES = 7

    def __init__(self, now=None):
        self.now = now

    def collect(self):
        now = self.now or timezone.now()
        up = GaugeMetricFamily("aragora_project_metrics_up", "1 if the project's gauges below could be read from the database.")
        try:
            families = list(self._families(now))
        except DatabaseError:
            # A scrape of a process whose database is down still answers (its request counters
            # matter most then); the missing gauges are said, not faked.
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, now):
        # 1. The outbox: rows not yet sent, those due now (waiting only for the flush, not for a
        # retry's backoff), and the age of the oldest unsent one. Partial indexes on queued and
        # sending rows: the cost is the backlog's, not the table's.
        outbox = Notification.objects.filter(status__in=[NotificationStatus.QUEUED, NotificationStatus.SENDING]) \
            .aggregate(queued=Count("id", filter=Q(status=NotificationStatus.QUEUED)),
                       sending=Count("id", filter=Q(status=NotificationStatus.SENDING)),
                       due=Count("id", filter=Q(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)),
                       oldest=Min("created_at"))
        backlog = GaugeMetricFamily("aragora_outbox_backlog", "Notifications not yet sent, by status.", labels=["status"])
        backlog.add_metric(["queued"], outbox["queued"])
        backlog.add_metric(["sending"], outbox["sending"])
        yield backlog
        yield GaugeMetricFamily("aragora_outbox_due", "Queued notifications whose send time has come (waiting for the flush).",
                                value=outbox["due"])
        yield GaugeMetricFamily("aragora_outbox_oldest_pending_age_seconds",
                                "Age of the oldest notification not yet sent (0: none).", value=_age(now, outbox["oldest"]))

        # 2. The SLA sweep: how long the most overdue check has waited (it runs every minute, so
        # a lag well past 60 s means the sweep is not running or not keeping up). A range scan of
        # the partial index ticket_sla_next_check over what is due.
        sweep = Ticket.objects.filter(sla_next_check_at__lte=now).aggregate(due=Count("id"), oldest=Min("sla_next_check_at"))
        yield GaugeMetricFamily("aragora_sla_sweep_lag_seconds",
                                "How late the SLA sweep is: age of the oldest check that has come due (0: none).",
                                value=_age(now, sweep["oldest"]))
        yield GaugeMetricFamily("aragora_sla_checks_due", "Tickets whose SLA check has come due and is not yet swept.",
                                value=sweep["due"])

        # 3. Breached clocks on open tickets, by tier and severity (every combination, zeros too,
        # so an alert on a series never sees it vanish). Open tickets through ticket_status_queue.
        breaches = GaugeMetricFamily("aragora_sla_open_breaches", "Breached SLA clocks on open tickets.",
                                     labels=["tier", "severity", "clock"])
        counts = {(tier, severity, clock): 0 for tier in Tier.objects.values_list("code", flat=True)
                  for severity in SeverityCode.values for clock in CLOCKS}
        rows = (Ticket.objects.filter(status__in=OPEN_STATUSES)
                .filter(Q(ack_breached_at__isnull=False) | Q(response_breached_at__isnull=False)
                        | Q(resolution_breached_at__isnull=False))
                .values("organization__tier__code", "severity")
                .annotate(**{clock: Count("id", filter=Q(**{f"{clock}_breached_at__isnull": False})) for clock in CLOCKS})
                .order_by())
        for row in rows:
            for clock in CLOCKS:
                counts[(row["organization__tier__code"], row["severity"], clock)] = row[clock]
        for labels, value in sorted(counts.items()):
            breaches.add_metric(list(labels), value)
        yield breaches

        # 4. Inbound mail waiting for staff: quarantined, or held for sender verification.
        mail = dict(InboundEmail.objects.filter(outcome__in=WAITING_MAIL).values_list("outcome").annotate(n=Count("id"))
                    .order_by())
        waiting = GaugeMetricFamily("aragora_inbound_mail_waiting", "Inbound mail waiting for staff, by outcome.",
                                    labels=["outcome"])
        for outcome in WAITING_MAIL:
            waiting.add_metric([outcome.value], mail.get(outcome, 0))
        yield waiting

        # 5. Report PDFs not yet drawn (partial index render_pending).
        renders = RenderedReport.objects.filter(status__in=[RenderStatus.QUEUED, RenderStatus.RENDERING]).aggregate(
            queued=Count("id", filter=Q(status=RenderStatus.QUEUED)),
            rendering=Count("id", filter=Q(status=RenderStatus.RENDERING)),
            oldest=Min("requested_at", filter=Q(status=RenderStatus.QUEUED)))
        pending = GaugeMetricFamily("aragora_report_renders", "Report PDFs waiting for or in a render, by status.",
                                    labels=["status"])
        pending.add_metric(["queued"], renders["queued"])
        pending.add_metric(["rendering"], renders["rendering"])
        yield pending
        yield GaugeMetricFamily("aragora_report_render_oldest_queued_age_seconds",
                                "Age of the oldest queued report render (0: none).", value=_age(now, renders["oldest"]))

        # 6. Heartbeats: the worker's (the task beat sends every minute) and beat's own tick.
        ages = GaugeMetricFamily("aragora_heartbeat_age_seconds", "Seconds since each background process last proved it runs.",
                                 labels=["name"])
        for name, seen_at in Heartbeat.objects.values_list("name", "seen_at").order_by("name"):
            ages.add_metric([name], _age(now, seen_at))
        yield ages


class _Scrape:
    """What one scrape reports: the process's (or, in multiprocess mode, every process's)
    library metrics, then the project's gauges."""

    def __init__(self, *collectors):
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def library_metrics():
    # As django_prometheus.exports.ExportToDjangoView decides: multiprocess mode when the
    # directory is set (gunicorn_conf.py), else this process's registry.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return prometheus_client.REGISTRY


def refusal(request) -> HttpResponse | None:
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOW_IPS
    if not token and not networks:
        # Not configured: nothing to scrape in production (404, as if the page did not exist).
        return None if settings.DEBUG else HttpResponse("Not found.\n", status=404, content_type="text/plain")
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            address = None
        if address is not None and any(address in network for network in networks):
            return None
    if not token:
        return HttpResponse("This address may not read the metrics.\n", status=403, content_type="text/plain")
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not credentials:
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        return HttpResponse("Wrong token.\n", status=403, content_type="text/plain")
    return None


@never_cache
@require_GET
def metrics(request):
    refused = refusal(request)
    if refused is not None:
        return refused
    page = prometheus_client.generate_latest(_Scrape(library_metrics(), ProjectCollector()))
    return HttpResponse(page, content_type=prometheus_client.CONTENT_TYPE_LATEST)
