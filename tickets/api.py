"""REST API for tickets, their messages and attachments. Thin: reads come from selectors,
writes go through services, and tenancy is the selectors' scoping (404 outside it)."""
import django_filters
import orjson
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from common.renderers import APIRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.models import Organization
from common.conflicts import state_conflicts
from common.parsers import MultiPartParser

from . import list_cache, listing, page_json, search, selectors, services
from .downloads import attachment_response
from .forms import OpenedRangeForm
from .models import Channel, Message, SeverityCode, Status, Ticket
from .serializers import (
    AttachmentSerializer, AttachmentUploadSerializer, EscalationRequestSerializer, MessageCreateSerializer,
    MessageSerializer,
    TicketCreateSerializer, TicketSerializer, TicketUpdateSerializer, ticket_rows, ticket_values,
)


class _DayField(forms.DateField):
    """A day as the schema says (YYYY-MM-DD); present but empty is refused, not ignored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def clean(self, value):
        if value == "":
            raise forms.ValidationError("Enter a date as YYYY-MM-DD, or leave the parameter out.")
        return super().clean(value)


class _DayFilter(django_filters.DateFilter):
    field_class = _DayField


class TicketFilter(django_filters.FilterSet):
    """The list's filters. Applied to the viewer's own tickets (selectors.tickets_visible_to), so
    none of them can reach another organisation's, or for a member a colleague's, tickets."""

    q = django_filters.CharFilter(
        method="search", max_length=search.MAX_LENGTH,
        help_text="Free text over subject, description and public replies (websearch syntax on PostgreSQL: "
                  "\"quoted phrase\", or, -word; the last word also matches as a prefix). Results come best "
                  "match first unless `sort` is given. Staff also match internal notes.")
    # distinct=False: the ticket's own columns cannot repeat a row, and a DISTINCT beside a
    # parameterised sort is an error under server-side binding (settings: prepared statements).
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    severity = django_filters.MultipleChoiceFilter(choices=SeverityCode.choices, distinct=False)
    organization = django_filters.CharFilter(
        field_name="organization__account_id", help_text="Account id (staff; customers see only their own)."
    )
    requester = django_filters.CharFilter(
        field_name="requester__username",
        help_text="Username of who opened the ticket (customer admins: their organisation's people; "
                  "members see only their own tickets anyway).")
    opened_from = _DayFilter(method="opened_range", help_text="Opened on or after this day (YYYY-MM-DD, UTC).")
    opened_to = _DayFilter(method="opened_range",
                           help_text="Opened on or before this day (YYYY-MM-DD, UTC); not before `opened_from`.")
    sort = django_filters.ChoiceFilter(
        method="sorted", choices=listing.sort_choices(),
        help_text="Order: " + "; ".join(f"`{name}` {meaning.lower()}" for name, meaning in listing.sort_choices())
                  + ". Default: newest first (best match first with `q`). Ties: newest first.")

    class Meta:
        model = Ticket
        fields = ["q", "status", "severity", "organization", "requester", "opened_from", "opened_to", "sort"]
        form = OpenedRangeForm

    def search(self, queryset, name, value):
        return search.ticket_search(queryset, value, include_internal_notes=self.request.user.is_staff)

    def opened_range(self, queryset, name, value):
        # Any date the schema allows is a valid bound; one outside the years tickets can have
        # bounds nothing (and is never turned into a datetime that would overflow).
        if name == "opened_from":
            return listing.opened_between(queryset, value, None) if value >= listing.FIRST_DAY else queryset
        return listing.opened_between(queryset, None, value) if value <= listing.LAST_DAY else queryset

    def sorted(self, queryset, name, value):
        return listing.ticket_sort(queryset, value)


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TicketSerializer
    filterset_class = TicketFilter

    def get_queryset(self):
        return selectors.tickets_visible_to(self.request.user).select_related(
            "organization", "requester", "assignee", "component"
        )

    def filter_queryset(self, queryset):
        # The list's filters are for the list: a ticket's own routes (its messages, attachments,
        # escalation) find it by id alone, whatever ?status= a client carries along.
        if self.action != "list":
            return queryset
        # With none of its parameters given, the FilterSet (a form built and validated per
        # request: 2 ms) changes nothing: skip it.
        if not any(name in self.request.query_params for name in TicketFilter.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request):
        cached = None
        if list_cache.enabled() and request.accepted_renderer.format == "json":
            cached = list_cache.Lookup(request.user, request)
            if cached.hit is not None:
                return HttpResponse(cached.hit, content_type="application/json")
        plain = not any(name in request.query_params for name in TicketFilter.base_filters)
        if page_json.supported():
            # PostgreSQL writes the rows' JSON (tickets/page_json.py); the ORM still chooses them.
            if plain:
                page = page_json.ScopePage(selectors.ticket_scope(request.user), timezone.now())
            else:
                page = page_json.TicketPage(self.filter_queryset(selectors.tickets_visible_to(request.user)),
                                            timezone.now())
            results = orjson.Fragment(page_json.as_array(self.paginate_queryset(page)))
        else:
            queryset = self.filter_queryset(selectors.tickets_visible_to(request.user))
            results = ticket_rows(self.paginate_queryset(ticket_values(queryset)))
        response = self.get_paginated_response(results)
        if cached:
            # Stored rendered: a hit then costs neither unpickling rows nor encoding JSON.
            body = APIRenderer().render(response.data)
            cached.store(body)
            return HttpResponse(body, content_type="application/json")
        return response

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketSerializer, 200: TicketSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     description="A repeat with the same key returns the first ticket (200).")],
    )
    def create(self, request):
        data = TicketCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = self._organization_for_create(values.pop("organization", None))
        key = request.headers.get("Idempotency-Key") or None
        if key and (len(key) > 255 or "\x00" in key):
            raise ValidationError({"Idempotency-Key": "At most 255 characters, without NUL."})
        ticket, created = services.ticket_create(
            organization=organization, requester=request.user, channel=Channel.API,
            idempotency_key=key, **values,
        )
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _organization_for_create(self, account_id: str | None) -> Organization:
        user = self.request.user
        if user.is_staff:
            if not account_id:
                raise ValidationError({"organization": "Staff must name the organisation (account id)."})
            org = Organization.objects.select_related("tier").filter(account_id=account_id).first()
            if org is None:
                raise ValidationError({"organization": "No organisation has that account id."})
            return org
        if not user.organization_id:
            raise PermissionDenied("Your account belongs to no organisation.")
        if account_id and account_id != user.organization.account_id:
            # Same answer whether or not that account exists: no existence leak.
            raise ValidationError({"organization": "You can only open tickets for your own organisation."})
        return Organization.objects.select_related("tier").get(pk=user.organization_id)

    @extend_schema(request=TicketUpdateSerializer, responses=TicketSerializer)
    def partial_update(self, request, pk=None):
        ticket = self.get_object()
        if not request.user.is_staff:
            raise PermissionDenied("Only support staff can update tickets.")
        data = TicketUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if not data.validated_data:
            raise ValidationError({"detail": "Nothing to update."})
        with state_conflicts():  # e.g. a transition the ticket's status forbids
            services.ticket_update(ticket=ticket, actor=request.user, **data.validated_data)
        return Response(TicketSerializer(self.get_queryset().get(pk=ticket.pk)).data)

    @extend_schema(request=TicketUpdateSerializer, responses=TicketSerializer)
    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    @extend_schema(request=EscalationRequestSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """Ask for escalation (guide: "Customer explicitly requests escalation"): the ticket moves
        up one level of its tier's ladder at once; each level can be asked for once."""
        ticket = self.get_object()
        data = EscalationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with state_conflicts():  # resolved, or at the top of its ladder
            services.escalation_request(ticket=ticket, actor=request.user, reason=data.validated_data["reason"])
        return Response(TicketSerializer(self.get_queryset().get(pk=ticket.pk)).data)

    @extend_schema(methods=["GET"], responses=MessageSerializer(many=True))
    @extend_schema(methods=["POST"], request=MessageCreateSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def messages(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            messages = selectors.messages_visible_to(request.user, ticket)
            return Response(MessageSerializer(messages, many=True).data)
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with state_conflicts():  # a closed ticket takes no reply
            message = services.message_create(ticket=ticket, author=request.user, **data.validated_data)
        message = Message.objects.select_related("author").get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=AttachmentSerializer(many=True))
    @extend_schema(methods=["POST"], request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[],
            parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            attachments = selectors.attachments_visible_to(request.user, ticket)
            return Response(AttachmentSerializer(attachments, many=True, context={"request": request}).data)
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = None
        if "message" in data.validated_data:
            message = selectors.messages_visible_to(request.user, ticket).filter(
                pk=data.validated_data["message"]).first()
            if message is None:
                raise ValidationError({"message": "No such message on this ticket."})
        attachment = services.attachment_create(
            ticket=ticket, uploaded_by=request.user, uploaded_file=data.validated_data["file"], message=message,
        )
        return Response(AttachmentSerializer(attachment, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
                   parameters=[OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]+)/download")
    def download(self, request, pk=None, attachment_id=None):
        ticket = self.get_object()
        return attachment_response(selectors.attachment_get_for(request.user, ticket, attachment_id))

