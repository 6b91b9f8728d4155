from allauth.account.forms import ChangePasswordForm, LoginForm, ResetPasswordForm, ResetPasswordKeyForm
from django import forms
from django.urls import reverse
from django.utils.html import format_html

from .sso.selectors import sso_required_for, sso_required_for_email

from .models import User
from .services import NOTIFICATION_PREFERENCES, time_zone_names


class PortalFormMixin:
    """allauth's forms written as the portal writes forms: sentence-case labels, no placeholders."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
            if field.label:
                field.label = field.label[:1] + field.label[1:].lower()


class PortalLoginForm(PortalFormMixin, LoginForm):
    """allauth's login (username or email) posted as `username`, as the sign-in form always was:
    scripts, password managers and tests that fill `username` keep working."""

    def add_prefix(self, field_name):
        return "username" if field_name == "login" else super().add_prefix(field_name)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"
        self.fields["login"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].help_text = ""  # the page links "Forgot your password?" itself

    def clean(self):
        cleaned = super().clean()
        # After the password check, so the answer tells nothing about an address nobody proved
        # to own; the person is not signed in (form.login() never runs).
        sso = sso_required_for(getattr(self, "user", None))
        if sso is not None:
            self.user = None
            raise forms.ValidationError(sso_required_message(sso), code="sso_required")
        return cleaned


def sso_required_message(sso):
    url = reverse("accounts:sso_start") + f"?org={sso.organization.account_id}"
    return format_html("{} signs in with single sign-on only: <a href=\"{}\">Sign in with SSO</a>.",
                       sso.organization.name, url)


class PortalChangePasswordForm(PortalFormMixin, ChangePasswordForm):
    pass


class PortalResetPasswordForm(PortalFormMixin, ResetPasswordForm):
    def clean_email(self):
        email = super().clean_email()
        # By the address's domain (not by account: the form must not tell who has one).
        sso = sso_required_for_email(email)
        if sso is not None:
            raise forms.ValidationError(sso_required_message(sso), code="sso_required")
        # A member of an SSO-required organisation under another domain gets no link: allauth
        # mails only the users it keeps here, and the page says "sent" as for anyone.
        self.users = [u for u in getattr(self, "users", []) if sso_required_for(u) is None]
        return email


class PortalResetPasswordKeyForm(PortalFormMixin, ResetPasswordKeyForm):
    def clean(self):
        cleaned = super().clean()
        sso = sso_required_for(getattr(self, "user", None))
        if sso is not None:  # a link mailed before the organisation turned SSO required on
            raise forms.ValidationError(sso_required_message(sso), code="sso_required")
        return cleaned


class ProfileForm(forms.Form):
    """Initial values from the user; saved by accounts.services.profile_update."""

    first_name = forms.CharField(label="First name", max_length=150, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label="Last name", max_length=150, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    timezone = forms.ChoiceField(
        label="Time zone", required=False,
        help_text="Times in the portal and the back-office are shown in this zone. Automatic: your browser's.")

    def __init__(self, *args, user: User, **kwargs):
        initial = {name: getattr(user, name) for name in ("first_name", "last_name", "timezone", *NOTIFICATION_PREFERENCES)}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["timezone"].choices = [("", "Automatic (your browser's zone)")] + [
            (name, name.replace("_", " ")) for name in time_zone_names()]
        for name in NOTIFICATION_PREFERENCES:
            field = User._meta.get_field(name)
            self.fields[name] = forms.BooleanField(label=field.verbose_name.capitalize(), required=False,
                                                   help_text=field.help_text)

    def preferences(self) -> dict:
        return {name: self.cleaned_data[name] for name in NOTIFICATION_PREFERENCES}


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name",
                           help_text="What uses it, e.g. “CI pipeline” or “status dashboard”.")
