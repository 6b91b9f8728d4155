from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.text import format_lazy

from accounts.models import Severity

from .models import Component, Environment, SeverityCode
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
