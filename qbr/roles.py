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
    from accounts.roles import grant_app_permissions

    grant_app_permissions("qbr", ROLE_PERMISSIONS)
