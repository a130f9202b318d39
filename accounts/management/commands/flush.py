"""Django's `flush`, able to empty the audit log on PostgreSQL for a superuser only.

The audit table refuses TRUNCATE from anyone (accounts migration 0005), and `flush` empties
every table with one TRUNCATE, as the test suite does between transactional tests. PostgreSQL
skips ordinary triggers while `session_replication_role` is `replica`, a setting only a
superuser may change: so the flush works on a developer's or CI's database (a superuser) and
fails with "permission denied" for the app's own database user, whose log stays whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.management.commands import flush
from django.db import connections


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        """Empty the database as Django's flush does, past the audit log's TRUNCATE trigger."""
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(**options)
        ops = connection.ops
        original = ops.execute_sql_flush

        def past_the_audit_trigger(sql_list: Iterable[str]) -> None:
            # SET LOCAL: for the flush's own transaction only, and back to the default after
            # it in case the caller's transaction goes on.
            original(
                [
                    "SET LOCAL session_replication_role = replica",
                    *sql_list,
                    "SET LOCAL session_replication_role = DEFAULT",
                ]
            )

        # On this connection's operations object only, for the length of this command.
        ops.execute_sql_flush = past_the_audit_trigger  # type: ignore[method-assign]
        try:
            return super().handle(**options)
        finally:
            del ops.execute_sql_flush
