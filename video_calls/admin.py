from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import services
from .models import VideoCall


class ScheduleForm(forms.ModelForm):
    link = forms.URLField(assume_scheme="https", help_text="The meeting's https:// link.")

    class Meta:
        model = VideoCall
        fields = ["starts_at", "duration_minutes", "link"]

    def clean(self):
        data = super().clean()
        services.check_schedule(starts_at=data.get("starts_at"), link=data.get("link", ""))
        return data


@admin.register(VideoCall)
class VideoCallAdmin(admin.ModelAdmin):
    """The account manager schedules a requested call: time and link; both sides are invited."""

    form = ScheduleForm
    list_display = ["organization", "purpose", "status", "starts_at", "requested_by", "created_at"]
    list_filter = ["status", "purpose"]
    list_select_related = ["organization", "requested_by"]
    readonly_fields = ["organization", "requested_by", "purpose", "preferred_times", "notes", "status",
                       "scheduled_by", "sequence", "created_at"]
    fields = ["organization", "requested_by", "purpose", "preferred_times", "notes", "starts_at",
              "duration_minutes", "link", "status", "scheduled_by"]

    def has_add_permission(self, request):
        return False  # customers request calls in the portal

    def save_model(self, request, obj, form, change):
        try:
            services.video_call_schedule(call=obj, staff=request.user, starts_at=form.cleaned_data["starts_at"],
                                         duration_minutes=form.cleaned_data["duration_minutes"],
                                         link=form.cleaned_data["link"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Scheduled: the customer and you have been sent the invitation.")
