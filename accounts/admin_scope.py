"""Per-row permissions in the admin: a role's model permission, narrowed to the rows it may change."""


class RowScopeMixin:
    """Set `may_change_row(user, obj)`; a row outside it is shown read-only and cannot be deleted."""

    may_change_row = staticmethod(lambda user, obj: False)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.may_change_row(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.may_change_row(request.user, obj))
