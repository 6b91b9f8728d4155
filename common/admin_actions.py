"""Admin actions that apply a service to each selected row, reporting what was refused."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError


def run_each(modeladmin, request, queryset, *, verb: str, noun: str, func) -> None:
    """Call func(obj) per row; a refusal (ValidationError, PermissionDenied) is reported, not raised."""
    done, refused = 0, []
    for obj in queryset:
        try:
            func(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            refused.append(f"#{obj.pk}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
    if done:
        modeladmin.message_user(request, f"{verb} {done} {noun}.", messages.SUCCESS)
    if refused:
        modeladmin.message_user(request, "Not changed — " + "; ".join(refused), messages.WARNING)


def save_new_inline_rows(request, formset, create) -> None:
    """Save an inline's new rows through a service, create(cleaned_data) -> object; existing
    rows are history and stay as they are. A refusal is shown, and the rest is saved."""
    # The admin's change message reads these lists; a formset saved by hand must set them.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for inline_form in formset.forms:
        data = getattr(inline_form, "cleaned_data", None)
        if inline_form.instance.pk or not inline_form.has_changed() or not data or data.get("DELETE"):
            continue
        try:
            formset.new_objects.append(create(data))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


class HistoryInlineMixin:
    """An inline of history rows (a ticket's thread, an incident's updates): new rows can be
    added, existing ones neither edited nor deleted. Set `select_related` for the list."""

    select_related: tuple = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.select_related)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
