# The append-only audit log (AuditEvent) and the change history of staff roles.
#
# On PostgreSQL a trigger also rejects UPDATE and DELETE on the audit table, whoever connects
# (psql, a script, a bug that bypasses the model). SQLite, used by the quick start and the unit
# tests, relies on the model's own refusals. TRUNCATE is left to the database owner (test
# databases are flushed with it).

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % on accounts_auditevent is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();
"""

DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_append_only();
"""


def append_only_trigger_add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL has a literal % (RAISE) that is not a placeholder.
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def append_only_trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_consent_and_erasure_requests'),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalMembership',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('role', models.CharField(choices=[('coordinator', 'Coordinator'), ('facilitator', 'Facilitator')], max_length=20)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organization')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical membership',
                'verbose_name_plural': 'historical memberships',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, help_text='When, in UTC.')),
                ('actor_email', models.CharField(blank=True, max_length=254, verbose_name='e-mail address')),
                ('action', models.CharField(choices=[('login', 'Signed in'), ('login_failed', 'Sign-in failed'), ('logout', 'Signed out'), ('reauthenticated', 'Confirmed identity again'), ('mfa_added', 'Two-factor method added'), ('mfa_removed', 'Two-factor method removed'), ('mfa_reset', 'Recovery codes replaced'), ('mfa_failed', 'Two-factor code refused'), ('view_answers', 'Viewed answers'), ('view_scores', 'Viewed scores'), ('view_notes', 'Viewed staff notes'), ('export', 'Exported data'), ('invitation_sent', 'Invited staff'), ('invitation_revoked', 'Withdrew an invitation'), ('role_changed', 'Role changed'), ('enrollment_changed', 'Enrollment changed'), ('safety_acknowledged', 'Acknowledged a safety flag'), ('consent_accepted', 'Accepted the consent'), ('data_downloaded', 'Downloaded own data'), ('withdrawal', 'Withdrew from the study'), ('erasure_requested', 'Asked for erasure'), ('erasure_completed', 'Erasure completed')], max_length=40)),
                ('object_type', models.CharField(blank=True, help_text='app_label.model', max_length=100)),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('participant_codes', models.TextField(blank=True)),
                ('details', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, help_text='Empty for someone not signed in (e.g. a failed sign-in) or the command line.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organization', models.ForeignKey(blank=True, db_constraint=False, help_text='Empty for events about a person rather than one organization (sign-ins).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organization')),
            ],
            options={
                'ordering': ['-at', '-pk'],
                'indexes': [models.Index(fields=['organization', 'at'], name='audit_event_org_at'), models.Index(fields=['actor', 'at'], name='audit_event_actor_at')],
            },
        ),
        migrations.RunPython(append_only_trigger_add, append_only_trigger_drop, elidable=False),
    ]
