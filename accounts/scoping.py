"""The one tenancy rule for customer data: staff see everything, a customer admin their
organisation's rows, a member only the rows they own; anyone else nothing."""
from typing import NamedTuple

from django.db.models import QuerySet


class Scope(NamedTuple):
    """What a user may see, as data: "all" (staff), "organization" (a customer admin: the
    organisation's id), "owner" (a member: organisation and user ids) or "none". `visible_to`
    applies it; a caller may key compiled SQL by `kind` and bind `values` (tickets/page_json.py)."""

    kind: str
    values: tuple = ()

    def apply(self, queryset: QuerySet, *, owner_field: str) -> QuerySet:
        if self.kind == "all":
            return queryset
        if self.kind == "none":
            return queryset.none()
        queryset = queryset.filter(organization_id=self.values[0])
        if self.kind == "owner":
            queryset = queryset.filter(**{f"{owner_field}_id": self.values[1]})
        return queryset


def scope_of(user) -> Scope:
    if user.is_authenticated and user.is_staff:
        return Scope("all")
    if not user.is_authenticated or not getattr(user, "organization_id", None):
        return Scope("none")
    if user.is_customer_admin:
        return Scope("organization", (user.organization_id,))
    return Scope("owner", (user.organization_id, user.pk))


def visible_to(user, queryset: QuerySet, *, owner_field: str) -> QuerySet:
    return scope_of(user).apply(queryset, owner_field=owner_field)


def may_see(user, obj, *, owner_field: str) -> bool:
    """visible_to's rule for one row already loaded, without a query: the same answer as
    `visible_to(user, ...).filter(pk=obj.pk).exists()`."""
    if user.is_authenticated and user.is_staff:
        return True
    if not user.is_authenticated or not getattr(user, "organization_id", None):
        return False
    if obj.organization_id != user.organization_id:
        return False
    return user.is_customer_admin or getattr(obj, f"{owner_field}_id") == user.pk
