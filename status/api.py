"""The status API. For monitoring systems, as Statuspage offers: open and update incidents,
schedule and move maintenance (staff tokens only). For customers: GET /api/v1/uptime/, an
organisation's month (staff: any, with `organization`; a customer admin: their own). Thin:
validation in serializers, writes in services, figures in status.credits."""
from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization

from . import credits, incidents, maintenance
from .models import Component, Incident, IncidentComponent, MaintenanceWindow, ServiceCredit
from .serializers import (
    IncidentCreateSerializer, IncidentOutSerializer, IncidentUpdateSerializer, MaintenanceChangeSerializer,
    MaintenanceCreateSerializer, MaintenanceOutSerializer, UptimeSerializer,
)


_ERROR = inline_serializer("UptimeError", {"detail": serializers.CharField(required=False)})


def _messages(errors, prefix: str = "") -> list[str]:
    """Nested serializer errors (a list's items, a nested object's fields) as flat messages,
    so every 400 has the API's one error shape: a field and its messages."""
    if isinstance(errors, dict):
        return [m for key, value in errors.items() for m in _messages(value, f"{prefix}{key}: ")]
    if isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            return [f"{prefix}{e}" for e in errors]
        return [m for i, e in enumerate(errors) for m in _messages(e, f"{prefix}item {i}: ")]
    return [f"{prefix}{errors}"]


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationError({field: _messages(error) for field, error in serializer.errors.items()})
    if getattr(serializer, "min_fields", 0) and not serializer.validated_data:
        raise ValidationError({"detail": "Nothing to change."})
    return serializer.validated_data


def _staff(request) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("The status API is for support staff and their monitoring systems.")


def _components_by_name(names) -> dict[str, Component]:
    found = {c.name: c for c in Component.objects.filter(name__in=list(names))}
    unknown = sorted(set(names) - set(found))
    if unknown:
        raise ValidationError({"components": [f"Unknown component {name!r}." for name in unknown[:10]]})
    return found


def _affected(rows) -> dict[Component, str]:
    names = _components_by_name([r["component"] for r in rows])
    return {names[r["component"]]: r["status"] for r in rows}


def _incident_out(incident: Incident) -> dict:
    incident = (Incident.objects.prefetch_related(
        Prefetch("affected", IncidentComponent.objects.select_related("component").order_by("component__name")),
        "updates").get(pk=incident.pk))
    return IncidentOutSerializer(incident).data


class IncidentListView(APIView):
    @extend_schema(operation_id="status_incidents_create", summary="Open an incident (staff)",
                   request=IncidentCreateSerializer, responses={201: IncidentOutSerializer})
    def post(self, request):
        _staff(request)
        v = _validated(IncidentCreateSerializer, request.data)
        incident = incidents.incident_open(actor=request.user, title=v["title"], body=v["body"], impact=v["impact"],
                                           status=v["status"], components=_affected(v["components"]),
                                           started_at=v.get("started_at"))
        return Response(_incident_out(incident), status=http.HTTP_201_CREATED)


class IncidentDetailView(APIView):
    @extend_schema(operation_id="status_incidents_partial_update",
                   summary="Post an update to an incident, or correct its times and review (staff)",
                   request=IncidentUpdateSerializer, responses={200: IncidentOutSerializer})
    def patch(self, request, pk: int):
        _staff(request)
        incident = get_object_or_404(Incident, pk=pk)
        v = _validated(IncidentUpdateSerializer, request.data)
        publishes = any(k in v for k in ("body", "status", "impact", "components"))
        if publishes and not v.get("body", "").strip():
            raise ValidationError({"body": "A change of status, impact or components is published: write the update."})
        if publishes:
            incidents.incident_update_post(
                incident=incident, actor=request.user, body=v["body"], status=v.get("status"),
                impact=v.get("impact"), components=_affected(v["components"]) if "components" in v else None)
        if any(k in v for k in ("started_at", "resolved_at", "postmortem")):
            incidents.incident_correct(incident=incident, actor=request.user, started_at=v.get("started_at"),
                                       resolved_at=v.get("resolved_at"), postmortem=v.get("postmortem"))
        return Response(_incident_out(incident))


class MaintenanceListView(APIView):
    @extend_schema(operation_id="status_maintenances_create", summary="Schedule maintenance (staff)",
                   request=MaintenanceCreateSerializer, responses={201: MaintenanceOutSerializer})
    def post(self, request):
        _staff(request)
        v = _validated(MaintenanceCreateSerializer, request.data)
        window = maintenance.maintenance_schedule(
            actor=request.user, title=v["title"], description=v["description"], starts_at=v["starts_at"],
            ends_at=v["ends_at"], components=_components_by_name(v["components"]).values(), announce=v["announce"])
        return Response(MaintenanceOutSerializer(window).data, status=http.HTTP_201_CREATED)


class MaintenanceDetailView(APIView):
    @extend_schema(operation_id="status_maintenances_partial_update",
                   summary="Move maintenance along (in progress, verifying, completed, cancelled) or reschedule it (staff)",
                   request=MaintenanceChangeSerializer, responses={200: MaintenanceOutSerializer})
    def patch(self, request, pk: int):
        _staff(request)
        window = get_object_or_404(MaintenanceWindow, pk=pk)
        v = _validated(MaintenanceChangeSerializer, request.data)
        if "starts_at" in v or "ends_at" in v:
            maintenance.maintenance_reschedule(window=window, actor=request.user,
                                               starts_at=v.get("starts_at", window.starts_at),
                                               ends_at=v.get("ends_at", window.ends_at))
        if v.get("status") == "cancelled":
            maintenance.maintenance_cancel(window=window, actor=request.user)
        elif v.get("status"):
            maintenance.maintenance_advance(window=window, actor=request.user, status=v["status"])
        window.refresh_from_db()
        return Response(MaintenanceOutSerializer(window).data)


def _month(raw: str | None) -> dt.date:
    if not raw:
        raise ValidationError({"month": "Give the month as YYYY-MM."})
    try:
        month = dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        raise ValidationError({"month": "Give the month as YYYY-MM."}) from None
    if month > timezone.now().date().replace(day=1):
        raise ValidationError({"month": "That month has not begun."})
    return month


class UptimeView(APIView):
    @extend_schema(
        operation_id="uptime_retrieve", summary="An organisation's uptime and service credit for a month",
        description="Staff name the organisation (`organization`, an account id); a customer admin reads their "
                    "own (naming another is a 403); members get 403. A month that is over and settled is read "
                    "from its record; the current month is computed until now. Rules: docs/uptime.md.",
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, required=True, description="YYYY-MM (UTC)."),
                    OpenApiParameter("organization", OpenApiTypes.STR, description="Account id (staff).")],
        responses={200: UptimeSerializer, 403: _ERROR})
    def get(self, request):
        organization = self._organization(request)
        month = _month(request.query_params.get("month"))
        settled = (ServiceCredit.objects.filter(organization=organization, month=month)
                   .prefetch_related("incidents").first())
        if settled:
            body = {"uptime_percent": settled.uptime_percent, "target_percent": settled.target_percent,
                    "downtime_minutes": settled.downtime_minutes,
                    "excluded_maintenance_minutes": settled.excluded_maintenance_minutes,
                    "credit_percent": settled.credit_percent,
                    "incidents": sorted(settled.incidents.all(), key=lambda i: i.started_at)}
        else:
            result = credits.uptime_for(organization, month)
            body = {"uptime_percent": result.uptime_percent, "target_percent": result.target_percent,
                    "downtime_minutes": result.downtime_minutes,
                    "excluded_maintenance_minutes": result.excluded_maintenance_minutes,
                    "credit_percent": result.credit_percent,
                    "incidents": list(Incident.objects.filter(pk__in=result.incident_ids).order_by("started_at"))}
        return Response(UptimeSerializer({"organization": organization.account_id, "month": f"{month:%Y-%m}",
                                          "settled": settled is not None, **body}).data)

    @staticmethod
    def _organization(request) -> Organization:
        user, wanted = request.user, request.query_params.get("organization")
        if user.is_staff:
            if not wanted:
                raise ValidationError({"organization": "Staff name the organisation (account id)."})
            organization = Organization.objects.select_related("tier").filter(account_id=wanted[:100]).first()
            if organization is None:
                raise ValidationError({"organization": "No organisation has that account id."})
            return organization
        if not getattr(user, "is_customer_admin", False):
            raise PermissionDenied("Uptime and credits are for your organisation's customer admins.")
        if wanted and wanted != user.organization.account_id:
            raise PermissionDenied("You can read only your own organisation's uptime.")
        return user.organization
