# The audit log also refuses TRUNCATE on PostgreSQL.
#
# 0004's row trigger rejects UPDATE and DELETE, but TRUNCATE fires no row triggers: the app's
# database user emptied the log with `TRUNCATE accounts_auditevent` (512 events, then 0). A
# statement-level BEFORE TRUNCATE trigger, calling 0004's function (it raises whatever the
# operation), closes that, for `TRUNCATE ... CASCADE` from another table too.
#
# The only way past it is PostgreSQL's own switch for replication, `SET session_replication_role
# = replica`, which only a superuser may set: `manage.py flush` (accounts/management/commands/
# flush.py), which the test suite runs between transactional tests, uses it, and fails for
# anyone else. SQLite, used by the quick start and the unit tests, has no TRUNCATE.

from django.db import migrations

REFUSE_TRUNCATE_SQL = """
CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditevent_append_only();
"""

ALLOW_TRUNCATE_SQL = """
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
"""


def truncate_trigger_add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_TRUNCATE_SQL, params=None)


def truncate_trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_TRUNCATE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_log_and_membership_history"),
    ]

    operations = [
        migrations.RunPython(truncate_trigger_add, truncate_trigger_drop, elidable=False),
    ]
