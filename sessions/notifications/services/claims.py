"""The outbox updates every message runs (claim, hand-over, sent), in plain SQL.

The ORM took longer to write these statements than the database took to run them (issue 18:
reminders at 5 ms of CPU each). Their conditions are exactly those delivery.py documents:
a row is claimed only while pending and due, and changed afterwards only while this attempt
still holds its claim (status "sending" with its own claimed_at).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from sessions.notifications.models import Notification, NotificationStatus


def _update_sql(
    values: dict[str, object], where: dict[str, object], *, returning: str = ""
) -> tuple[str, list[Any]]:
    """One UPDATE of the outbox in plain SQL, for the few statements every message runs: the
    ORM took longer to write them than the database to run them (issue 18). `values` and
    `where` map field names to values (None: SQL NULL); datetimes are adapted as the ORM would."""

    def column(name: str) -> str:
        field = Notification._meta.get_field(name)
        return connection.ops.quote_name(str(field.column))  # type: ignore[union-attr]

    def param(value: object) -> object:
        if isinstance(value, dt.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        return value

    params: list[Any] = []
    sets = []
    for name, value in values.items():
        if value is _INCREMENT:
            sets.append(f"{column(name)} = {column(name)} + 1")
        elif value is None:
            sets.append(f"{column(name)} = NULL")
        else:
            sets.append(f"{column(name)} = %s")
            params.append(param(value))
    conditions = []
    for lookup, value in where.items():
        name, _, op = lookup.partition("__")
        if value is None:
            conditions.append(f"{column(name)} IS NULL")
            continue
        conditions.append(f"{column(name)} {'<=' if op == 'lte' else '='} %s")
        params.append(param(value))
    # Only names from the model go into the text; every value is a parameter.
    table = connection.ops.quote_name(Notification._meta.db_table)
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {' AND '.join(conditions)}"  # noqa: S608
    if returning:
        sql += f" RETURNING {column(returning)}"
    return sql, params


_INCREMENT = object()


def claim(notification_id: int, *, now: dt.datetime) -> str | None:
    """Take a due pending row for this attempt (pending -> sending): its kind, or None when it
    is not due, not pending or another sender took it first.

    One conditional UPDATE ... RETURNING (PostgreSQL, SQLite 3.35+): concurrent claims of one
    row queue on its lock and re-check the condition, so exactly one of them changes it.
    """
    sql, params = _update_sql(
        {
            "status": NotificationStatus.SENDING.value,
            "claimed_at": now,
            "handed_over_at": None,
            "attempts": _INCREMENT,
            "updated_at": now,
        },
        {"id": notification_id, "status": NotificationStatus.PENDING.value, "send_at__lte": now},
        returning="kind",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def held_update(n: Notification, values: dict[str, object], **where: object) -> int:
    """_held(n).filter(**where).update(**values) in plain SQL: the rows changed (0 or 1)."""
    sql, params = _update_sql(
        values,
        {"id": n.pk, "status": NotificationStatus.SENDING.value, "claimed_at": n.claimed_at}
        | where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
