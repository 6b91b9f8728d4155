"""GET /api/v1/metrics/: the team's figures as JSON (the metrics reader's answer). Thin: who may
read what and the parameters are feedback.scopes'; the figures are feedback.metrics'."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import metrics
from .scopes import scope_from_params

_PCT = inline_serializer("MetricPercentiles", {
    "p50_seconds": serializers.FloatField(allow_null=True), "p90_seconds": serializers.FloatField(allow_null=True)})
_DURATION = inline_serializer("MetricDuration", {
    "count": serializers.IntegerField(), "calendar": _PCT, "business": _PCT})
MetricsSerializer = inline_serializer("Metrics", {
    "from": serializers.DateField(), "to": serializers.DateField(),
    "tier": serializers.CharField(allow_null=True), "organization": serializers.CharField(allow_null=True),
    "tickets_opened": serializers.IntegerField(),
    "volume": inline_serializer("MetricVolume", {
        "by_severity": serializers.DictField(child=serializers.IntegerField()),
        "by_channel": serializers.DictField(child=serializers.IntegerField())}),
    "first_response": _DURATION, "resolution": _DURATION,
    "sla_attainment": inline_serializer("MetricSlaAttainment", {
        "tier": serializers.CharField(), "severity": serializers.CharField(),
        "clock": serializers.ChoiceField(choices=list(metrics.CLOCKS)),
        "met": serializers.IntegerField(), "breached": serializers.IntegerField(), "open": serializers.IntegerField(),
        "percent_met": serializers.FloatField(allow_null=True)}, many=True),
    "csat": inline_serializer("MetricCsat", {
        "responses": serializers.IntegerField(), "satisfied": serializers.IntegerField(),
        "percent_satisfied": serializers.FloatField(allow_null=True)}),
    "nps": inline_serializer("MetricNps", {
        "responses": serializers.IntegerField(), "promoters": serializers.IntegerField(),
        "passives": serializers.IntegerField(), "detractors": serializers.IntegerField(),
        "score": serializers.FloatField(allow_null=True, help_text="% promoters − % detractors, -100..100.")}),
    "reopen_rate": inline_serializer("MetricReopenRate", {
        "resolved": serializers.IntegerField(), "reopened": serializers.IntegerField(),
        "percent": serializers.FloatField(allow_null=True)}),
})
_ERROR = inline_serializer("MetricsError", {"detail": serializers.CharField(required=False)})


class MetricsView(APIView):
    @extend_schema(
        operation_id="metrics_retrieve",
        summary="The support team's figures for a period",
        description=(
            "First response and resolution times (p50/p90, calendar and business seconds), SLA attainment by "
            "tier, severity and clock, CSAT, NPS, reopen rate and volume, for tickets of the period (UTC dates, "
            "both included; at most 2 years). Staff see every organisation; a customer admin only their own "
            "(naming another is a 403); members get 403. Definitions: docs/feedback.md."),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD). Default: "
                             "the first of the current month."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default today)."),
            OpenApiParameter("tier", str, description="Tier code: free, pro or enterprise."),
            OpenApiParameter("organization", str, description="Account id (staff; customers: their own)."),
        ],
        responses={200: MetricsSerializer, 400: _ERROR, 403: _ERROR},
    )
    def get(self, request):
        # The schema says a date: a day given empty is a mistake to name, not "no bound" (the
        # portal's filter form, which submits empty fields, reads them as unset).
        empty = [name for name in ("from", "to") if request.query_params.get(name, None) == ""]
        if empty:
            raise ValidationError({name: "Use a date as YYYY-MM-DD, or leave the parameter out." for name in empty})
        scope = scope_from_params(request.query_params, request.user)
        data = metrics.compute(scope)
        return Response({"from": scope.start, "to": scope.end,
                         "tier": request.query_params.get("tier") or None,
                         "organization": _account_id(request, scope), **data})


def _account_id(request, scope):
    if scope.organization_id is None:
        return None
    if not request.user.is_staff:
        return request.user.organization.account_id
    return request.query_params.get("organization")

