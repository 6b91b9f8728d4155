"""Reads of people and organisations outside a signed-in request."""
from __future__ import annotations

from functools import cache

from django.db import connection

from .models import ApiToken, Organization, Tier, User

_MODELS = (User, Organization, Tier)


@cache
def _member_query(vendor: str):
    """The SQL, and per model its columns' field names and converters, in select order.

    Written once from the models' own fields, so it follows the schema; keyed by vendor for
    quoting and converters. The ORM's select_related gives the same objects, but compiling the
    query and building them took 1.1 ms of the ~6 ms an email took (bench/email_ingest.py).
    """
    quote = connection.ops.quote_name

    def column(model, name):
        return f"{quote(model._meta.db_table)}.{quote(model._meta.get_field(name).column)}"

    parts, select = [], []
    for model in _MODELS:
        fields = model._meta.concrete_fields
        cols = [field.get_col(model._meta.db_table) for field in fields]
        parts.append((model, [field.attname for field in fields],
                      [(col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
                       for col in cols]))
        select += [column(model, field.name) for field in fields]
    user, organization, tier = (quote(model._meta.db_table) for model in _MODELS)
    sql = (
        f"SELECT {', '.join(select)} FROM {user} "
        f"JOIN {organization} ON {column(Organization, 'id')} = {column(User, 'organization')} "
        f"JOIN {tier} ON {column(Tier, 'id')} = {column(Organization, 'tier')} "
        # UPPER(email): what the user_email_upper index holds, as the ORM's iexact on PostgreSQL.
        f"WHERE UPPER({column(User, 'email')}) = UPPER(%s) AND {column(User, 'is_active')} "
        f"ORDER BY {column(User, 'id')} LIMIT 1"
    )
    return sql, parts


def member_by_email(address: str) -> User | None:
    """The active member of an organisation with this email address, whatever its case, with
    `.organization` and `.organization.tier` loaded; the earliest one if several share it.

    One query: inbound mail asks this for every message it receives.
    """
    if not address:
        return None
    sql, parts = _member_query(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [address])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for model, names, converters in parts:
        values = list(row[start:start + len(names)])
        start += len(names)
        # As the ORM does: each field's converters (JSON, and booleans and times on SQLite).
        for i, (col, functions) in enumerate(converters):
            for function in functions:
                values[i] = function(values[i], col, connection)
        objects.append(model.from_db(connection.alias, names, values))
    user, organization, tier = objects
    organization.tier = tier
    user.organization = organization
    return user


def api_tokens_of(user: User):
    """A person's own API tokens, newest first: the only tokens they may list or revoke."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
