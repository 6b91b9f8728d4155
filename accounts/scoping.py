"""The one tenancy rule for customer data: staff see everything, a customer admin their
organisation's rows, a member only the rows they own; anyone else nothing."""
from django.db.models import QuerySet


def visible_to(user, queryset: QuerySet, *, owner_field: str) -> QuerySet:
    if user.is_authenticated and user.is_staff:
        return queryset
    if not user.is_authenticated or not getattr(user, "organization_id", None):
        return queryset.none()
    queryset = queryset.filter(organization_id=user.organization_id)
    if not user.is_customer_admin:
        queryset = queryset.filter(**{f"{owner_field}_id": user.pk})
    return queryset


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
