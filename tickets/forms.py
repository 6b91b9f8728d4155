from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.text import format_lazy

from accounts.models import Severity, User
from status.models import Component

from . import listing, search
from .models import Environment, SeverityCode, Status
from .services import check_upload


def attachment_limit() -> str:
    """ATTACHMENT_MAX_BYTES as a customer reads it: "25 MB"."""
    megabytes = f"{settings.ATTACHMENT_MAX_BYTES / 1048576:.1f}".rstrip("0").rstrip(".")
    return f"{megabytes} MB"


def with_limit(text: str):
    # Lazy, so the hint always shows the limit in force when the form is drawn.
    return format_lazy("{} Up to {}.", text, lazy(attachment_limit, str)())


class AttachmentField(forms.FileField):
    def validate(self, value):
        super().validate(value)
        if value:
            try:
                check_upload(value)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["file"])


class TicketForm(forms.Form):
    subject = forms.CharField(max_length=200, help_text="A brief description of the issue.")
    severity = forms.ChoiceField(choices=SeverityCode.choices, widget=forms.RadioSelect)
    environment = forms.ChoiceField(choices=Environment.choices, initial=Environment.PRODUCTION)
    affected_users = forms.CharField(max_length=100, required=False, help_text="Number or percentage.")
    component = forms.ModelChoiceField(
        queryset=Component.objects.all(), required=False, empty_label="Not sure",
        help_text="The part of Aragora affected, if you know it.")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What happened, when it started, steps to reproduce.",
    )
    business_impact = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="How this affects operations."
    )
    already_tried = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Troubleshooting steps taken."
    )
    attachment = AttachmentField(required=False, help_text=with_limit("Optional: a log, screenshot or HAR file."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Label each severity with its definition from the policy tables.
        names = dict(Severity.objects.values_list("code", "name"))
        self.fields["severity"].choices = [(code, f"{code} - {names.get(code, label)}") for code, label in SeverityCode.choices]


class EscalationForm(forms.Form):
    reason = forms.CharField(label="Why does this need escalating?", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", widget=forms.Textarea(attrs={"rows": 4}))
    attachment = AttachmentField(required=False, help_text=with_limit("Optional."))


def _day(day) -> str:
    return f"{day.day} {day:%b %Y}"


def check_listing_day(day):
    if not listing.FIRST_DAY <= day <= listing.LAST_DAY:
        raise ValidationError(f"Enter a date between {_day(listing.FIRST_DAY)} and {_day(listing.LAST_DAY)}.")


def listing_date_field(label: str, **kwargs) -> forms.DateField:
    """A day of the opened-date range (ISO, YYYY-MM-DD), as the portal and the API take it."""
    return forms.DateField(label=label, required=False, input_formats=["%Y-%m-%d"], validators=[check_listing_day],
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class OpenedRangeForm(forms.Form):
    """What the portal's filter bar and the API's filterset both check: from is not after to."""

    def clean(self):
        data = super().clean()
        start, end = data.get("opened_from"), data.get("opened_to")
        if start and end and start > end:
            self.add_error("opened_to", f"The end date ({_day(end)}) is before the start date ({_day(start)}).")
        return data


class TicketListForm(OpenedRangeForm):
    """The dashboard's search, filters and sort (GET). Blank fields filter nothing; a customer
    admin may pick one of their organisation's people as requester (members see only their own
    tickets, so they get no such field)."""

    q = forms.CharField(label="Search", required=False, max_length=search.MAX_LENGTH, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": "Search subject, description, replies", "maxlength": search.MAX_LENGTH}))
    severity = forms.ChoiceField(label="Severity", required=False, choices=[("", "Any severity"), *SeverityCode.choices])
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("open", "Open"), *Status.choices, ("all", "Any status")])
    requester = forms.ModelChoiceField(label="Requester", required=False, queryset=User.objects.none(),
                                       empty_label="Anyone")
    opened_from = listing_date_field("Opened from")
    opened_to = listing_date_field("Opened to")
    # Not a choice field: an unknown sort (a hand-edited link) falls back to the default order.
    sort = forms.CharField(label="Sort", required=False, widget=forms.Select(
        choices=[("", "Default order"), *listing.sort_choices()]))

    def __init__(self, data, *, user):
        super().__init__(data)
        if user.is_customer_admin:
            field = self.fields["requester"]
            field.queryset = User.objects.filter(organization_id=user.organization_id).order_by(
                "first_name", "last_name", "username")
            field.label_from_instance = lambda person: person.get_full_name() or person.username
        else:
            del self.fields["requester"]

    def clean_status(self):
        return self.cleaned_data["status"] or "open"

    def clean_sort(self):
        return listing.parse_sort(self.cleaned_data["sort"])

    @property
    def active(self) -> bool:
        """Whether anything but the default view (open tickets, newest first) is asked for."""
        data = self.cleaned_data
        return bool(data.get("q") or data.get("severity") or data.get("requester") or data.get("opened_from")
                    or data.get("opened_to") or data.get("status") != "open")
