from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from common.admin_actions import run_each

from . import maintenance as services
from .models import MaintenanceWindow


class MaintenanceWindowForm(forms.ModelForm):
    class Meta:
        model = MaintenanceWindow
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at"):
            services.check_window(starts_at=data["starts_at"], ends_at=data["ends_at"],
                                  components=list(data.get("components") or []), exclude_pk=self.instance.pk)
        return data


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    form = MaintenanceWindowForm
    list_display = ["title", "starts_at", "ends_at", "status", "is_announced", "audience"]
    list_filter = ["status"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["components", "organizations"]
    fields = ["title", "description", "starts_at", "ends_at", "components", "organizations", "status",
              "announced_at", "revision", "announced_revision", "reminded_revision"]
    readonly_fields = ["status", "announced_at", "revision", "announced_revision", "reminded_revision"]
    actions = ["announce", "start", "verify", "complete", "cancel"]

    def has_delete_permission(self, request, obj=None):
        # Customers who were told of a window are told it is cancelled; it is not made to vanish.
        return super().has_delete_permission(request, obj) and not (obj and obj.announced)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would delete announced windows too
        return actions

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organizations")

    @admin.display(boolean=True, description="announced")
    def is_announced(self, obj):
        return obj.announced_revision == obj.revision

    @admin.display(description="audience")
    def audience(self, obj):
        chosen = obj.organizations.all()
        return ", ".join(o.name for o in chosen) if chosen else "every customer"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            return super().save_model(request, obj, form, change)
        # Times go through the service (in save_related, once the audience is saved too): an
        # announced window is announced again as rescheduled.
        original = MaintenanceWindow.objects.get(pk=obj.pk)
        obj.new_times = (obj.starts_at, obj.ends_at)
        obj.starts_at, obj.ends_at = original.starts_at, original.ends_at
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        new_times = getattr(form.instance, "new_times", None)
        if not new_times:
            return
        try:
            services.maintenance_reschedule(window=form.instance, actor=request.user, starts_at=new_times[0],
                                            ends_at=new_times[1])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))

    @admin.action(description="Announce to customers (Slack Connect channels)")
    def announce(self, request, queryset):
        run_each(self, request, queryset, verb="Announced", noun="window(s)",
                 func=lambda window: services.maintenance_announce(window=window, actor=request.user))

    @admin.action(description="Cancel (tells customers who were told)")
    def cancel(self, request, queryset):
        run_each(self, request, queryset, verb="Cancelled", noun="window(s)",
                 func=lambda window: services.maintenance_cancel(window=window, actor=request.user))

    def _advance(self, request, queryset, status, verb):
        run_each(self, request, queryset, verb=verb, noun="window(s)",
                 func=lambda window: services.maintenance_advance(window=window, actor=request.user, status=status))

    @admin.action(description="Start (in progress; tells customers)")
    def start(self, request, queryset):
        self._advance(request, queryset, "in_progress", "Started")

    @admin.action(description="Verifying")
    def verify(self, request, queryset):
        self._advance(request, queryset, "verifying", "Verifying")

    @admin.action(description="Complete (tells customers)")
    def complete(self, request, queryset):
        self._advance(request, queryset, "completed", "Completed")
