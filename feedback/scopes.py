"""Who may read which figures, and the query parameters that choose them (the API, the staff
dashboard and the portal page share this): staff any organisation or tier; a customer admin
their own organisation only; anyone else nothing."""
from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Organization, Tier

from . import figures
from .metrics import Scope


def may_read_figures(user) -> bool:
    return user.is_authenticated and (user.is_staff or getattr(user, "is_customer_admin", False))


def _date(value: str, name: str, *, end: bool) -> dt.date:
    """YYYY-MM-DD, or YYYY-MM for a whole month (its first day for `from`, its last for `to`)."""
    try:
        if len(value) == 7:
            year, month = int(value[:4]), int(value[5:])
            day = calendar.monthrange(year, month)[1] if end else 1
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value)
    except (ValueError, TypeError):
        raise ValidationError({name: f"Use a date as YYYY-MM-DD (or a month as YYYY-MM), not {value[:20]!r}."})


def scope_from_params(params, user, *, default_months: int = 1) -> Scope:
    """The Scope asked for by `from`, `to`, `tier` (code) and `organization` (account id).

    Without `from`/`to`: the last `default_months` months up to today. Raises PermissionDenied
    for a reader who may not see figures, ValidationError for bad input (a clear 400)."""
    if not may_read_figures(user):
        raise PermissionDenied("Figures are for Aragora staff and customer admins.")
    today = timezone.now().date()
    raw_from, raw_to = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    end = _date(raw_to, "to", end=True) if raw_to else today
    start = _date(raw_from, "from", end=False) if raw_from else \
        figures.add_months(figures.month_start(end), 1 - default_months)
    problem = figures.range_problem(start, end)
    if problem:
        raise ValidationError({"to": problem})
    tier_id = None
    tier_code = (params.get("tier") or "").strip()
    if tier_code:
        tier_id = Tier.objects.filter(code=tier_code).values_list("pk", flat=True).first()
        if tier_id is None:
            codes = ", ".join(Tier.objects.values_list("code", flat=True))
            raise ValidationError({"tier": f"Unknown tier {tier_code[:30]!r}; one of {codes}."})
    account_id = (params.get("organization") or "").strip()
    if user.is_staff:
        organization_id = None
        if account_id:
            organization_id = Organization.objects.filter(account_id=account_id).values_list("pk", flat=True).first()
            if organization_id is None:
                raise ValidationError({"organization": "No organisation has that account id."})
    else:
        if account_id and account_id != user.organization.account_id:
            # The same answer whether or not that account exists: no existence leak.
            raise PermissionDenied("You can see your own organisation's figures only.")
        organization_id = user.organization_id
    return Scope(start, end, tier_id=tier_id, organization_id=organization_id)
