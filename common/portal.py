"""What every customer portal view shares: who may enter, and how service errors reach a form."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect


def customer_only(view):
    """Portal pages are for customers; staff work in the admin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_staff:
            return redirect("admin:index")
        if not request.user.organization_id:
            raise PermissionDenied("Your account belongs to no organisation.")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def form_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
