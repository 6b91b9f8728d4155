from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.scoping import visible_to

from . import services
from .models import Purpose, VideoCall


class RequestForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices)
    preferred_times = forms.CharField(max_length=300, label="When suits you?",
                                      help_text="e.g. Tue or Wed afternoons, Berlin time.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Anything to prepare?")


@login_required
@require_http_methods(["GET", "POST"])
def video_calls(request):
    """The organisation's video calls, and a request form for Enterprise customers."""
    if request.user.is_staff:
        return redirect("admin:video_calls_videocall_changelist")
    organization = request.user.organization
    if organization is None:
        return redirect("portal:dashboard")
    allowed = services.video_calls_allowed(organization)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and allowed and form.is_valid():
        try:
            services.video_call_request(requester=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            flash.success(request, "Requested: your account manager will schedule it and send an invitation.")
            return redirect("video_calls:list")
    # The portal's rule: admins see the organisation's calls, members the calls they asked for.
    calls = visible_to(request.user, VideoCall.objects.all(), owner_field="requested_by").select_related("requested_by")
    return render(request, "video_calls/list.html",
                  {"calls": calls, "form": form, "allowed": allowed, "organization": organization})
