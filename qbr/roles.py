"""Admin permissions of the staff roles (accounts.roles) on reports, synced after every migrate
like feedback's. Every role reads the decks, reports and usage (the PDFs need `qbr.view_qbr`);
account managers and leads write the QBRs' narrative and make them final."""

_VIEW = ["qbr.view_qbr", "qbr.view_usagereport", "qbr.view_renderedreport", "qbr.view_dailyusage"]
_WRITE = ["qbr.add_qbr", "qbr.change_qbr"]

ROLE_PERMISSIONS = {
    "Support engineer": _VIEW,
    "Senior engineer": _VIEW,
    "Engineering lead": _VIEW + _WRITE,
    "VP engineering": _VIEW + _WRITE,
    "Executive": _VIEW,
    "Account manager": _VIEW + _WRITE,
}


def sync_qbr_permissions(**_kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    by_codename = dict(Permission.objects.filter(content_type__app_label="qbr").values_list("codename", "pk"))
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue  # accounts.roles creates the groups; the next migrate's run adds these
        group.permissions.add(*[by_codename[p.split(".", 1)[1]] for p in perms if p.split(".", 1)[1] in by_codename])
