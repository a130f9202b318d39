# ExportRecord lived in the accounts app until the reports app was made. Its table keeps its name
# (accounts_exportrecord), so this migration moves only Django's picture of it and its content
# type; accounts 0007 lets go of it.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _content_type(app_from, app_to):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=app_to, model="exportrecord").exists():
            ContentType.objects.filter(app_label=app_from, model="exportrecord").update(
                app_label=app_to
            )

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0005_audit_log_refuses_truncate'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ExportRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('actor', models.CharField(max_length=254)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('kind', models.CharField(max_length=20)),
                        ('format', models.CharField(max_length=10)),
                        ('filters', models.JSONField(blank=True, default=dict)),
                        ('identifiable', models.BooleanField(default=False)),
                        ('source', models.CharField(default='page', help_text='page or command', max_length=10)),
                        ('row_count', models.PositiveIntegerField(blank=True, help_text='Data rows over every file of the export (header and codebook rows not counted).', null=True)),
                        ('checksum', models.CharField(blank=True, help_text='SHA-256 of the bytes produced, in hex.', max_length=64)),
                        ('organization', models.ForeignKey(blank=True, help_text='Empty for a command-line export across every organization.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='exports', to='accounts.organization')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='exports', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_exportrecord',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['organization', 'created_at'], name='export_record_org_created')],
                    },
                ),
            ],
        ),
        migrations.RunPython(_content_type("accounts", "reports"), _content_type("reports", "accounts")),
    ]
