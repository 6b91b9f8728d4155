"""What a staff member may change in the back-office beyond their role's model permissions.

A role's permissions say which kinds of rows it may change. This says which rows (docs/security.md,
"Staff roles and the admin"):

- Staff accounts and privileges (superuser, staff status, roles, permissions, a staff member's
  password) are the superusers' alone: anyone else who could set them could make themselves one.
- An account manager changes only the organisations they manage and those organisations'
  customers. Who manages an organisation is set by a superuser, or it would be a way to reach
  every other one.
"""
from django.db.models import Q

# Fields of a user that grant power; the user admin shows them to superusers only.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def manages_users(actor) -> bool:
    """Whether the actor edits user accounts at all (and so sees only those they may edit)."""
    return actor.has_perm("accounts.change_user") or actor.has_perm("accounts.add_user")


def managed_organizations_q(actor) -> Q:
    return Q() if actor.is_superuser else Q(account_manager_id=actor.pk)


def managed_customers_q(actor) -> Q:
    """Users the actor may edit: their organisations' customers, never a staff or superuser account."""
    if actor.is_superuser:
        return Q()
    return Q(organization__account_manager_id=actor.pk, is_staff=False, is_superuser=False)


def may_change_organization(actor, organization) -> bool:
    return actor.is_superuser or (organization.account_manager_id is not None
                                  and organization.account_manager_id == actor.pk)


def may_change_user(actor, user) -> bool:
    if actor.is_superuser:
        return True
    if user.is_staff or user.is_superuser or not user.organization_id:
        return False
    return user.organization.account_manager_id == actor.pk
