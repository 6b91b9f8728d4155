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
