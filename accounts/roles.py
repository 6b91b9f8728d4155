"""Staff roles: the escalation contacts of the guide, as Django groups with permissions.

Groups are (re)synchronised after every migrate, so a new permission reaches every role without
a hand-written migration; edits made in the admin to a role's extra permissions are kept.
Which rows a permission reaches (an account manager: their own organisations and customers;
privileges: superusers only) is accounts.staff_scope's.
"""
from django.core.exceptions import PermissionDenied

SUPPORT_ENGINEER = "Support engineer"
SENIOR_ENGINEER = "Senior engineer"
ENGINEERING_LEAD = "Engineering lead"
VP_ENGINEERING = "VP engineering"
EXECUTIVE = "Executive"
ACCOUNT_MANAGER = "Account manager"

_TICKET_WORK = [
    "tickets.view_ticket", "tickets.change_ticket", "tickets.add_ticket",
    "tickets.view_message", "tickets.add_message",
    "tickets.view_attachment", "tickets.add_attachment",
    "tickets.view_ticketevent",
    "accounts.view_organization", "accounts.view_user",
    "accounts.view_tier", "accounts.view_severity", "accounts.view_slatarget",
    "accounts.view_customslatarget",
]
_POLICY_EDIT = [
    "accounts.change_tier", "accounts.change_severity", "accounts.change_slatarget",
    "accounts.add_slatarget",
]
_ACCOUNTS_EDIT = [
    "accounts.add_organization", "accounts.change_organization",
    "accounts.add_customslatarget", "accounts.change_customslatarget", "accounts.delete_customslatarget",
    "accounts.add_user", "accounts.change_user",
    "video_calls.view_videocall", "video_calls.change_videocall",
]

# The status page (docs/status.md): engineers run incidents and maintenance; account managers
# keep each organisation's uptime agreement; everyone sees the month-end credits.
_STATUS_WORK = [
    "status.view_component", "status.view_incident", "status.add_incident", "status.change_incident",
    "status.view_incidentupdate", "status.add_incidentupdate",
    "status.view_incidentcomponent", "status.add_incidentcomponent", "status.change_incidentcomponent",
    "status.delete_incidentcomponent",
    "status.view_maintenancewindow", "status.add_maintenancewindow", "status.change_maintenancewindow",
    "status.view_servicecredit", "status.view_creditschedule", "status.view_creditband",
    "status.view_uptimeagreement",
]
_UPTIME_EDIT = ["status.add_uptimeagreement", "status.change_uptimeagreement"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SUPPORT_ENGINEER: _TICKET_WORK + _STATUS_WORK,
    SENIOR_ENGINEER: _TICKET_WORK + _STATUS_WORK,
    ENGINEERING_LEAD: _TICKET_WORK + _POLICY_EDIT + _STATUS_WORK,
    VP_ENGINEERING: _TICKET_WORK + _POLICY_EDIT + _STATUS_WORK,
    EXECUTIVE: _TICKET_WORK + ["status.view_incident", "status.view_servicecredit"],
    ACCOUNT_MANAGER: _TICKET_WORK + _ACCOUNTS_EDIT + ["status.view_incident", "status.view_servicecredit",
                                                      "status.view_uptimeagreement"] + _UPTIME_EDIT,
}
STAFF_ROLES = list(ROLE_PERMISSIONS)


def sync_staff_roles(**_kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    wanted = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
    by_key = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.filter(
            codename__in={p.split(".", 1)[1] for p in wanted}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*[by_key[p] for p in perms if p in by_key])


def grant_app_permissions(app_label: str, role_permissions: dict[str, list[str]]) -> None:
    """A domain app's permissions for the staff roles ("app.codename" lists by role name), added
    after every migrate by the app's post_migrate hook. Roles are made by sync_staff_roles; one
    not there yet gets its grants on the next migrate."""
    from django.contrib.auth.models import Group, Permission

    by_codename = dict(Permission.objects.filter(content_type__app_label=app_label).values_list("codename", "pk"))
    for role, perms in role_permissions.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.add(*[by_codename[c] for c in (p.split(".", 1)[1] for p in perms) if c in by_codename])


def require_staff(actor, message: str = "Only support staff can do this.") -> None:
    """Services that only Aragora's people may call start here; customers get PermissionDenied."""
    if not (actor and actor.is_staff):
        raise PermissionDenied(message)
