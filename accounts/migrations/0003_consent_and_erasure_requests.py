# Participant rights: versioned consent records and erasure requests.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_export_records'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConsentRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.CharField(max_length=20)),
                ('text_sha256', models.CharField(help_text='SHA-256 of the consent text as shipped, in hex.', max_length=64)),
                ('accepted_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('keep_research_data', models.BooleanField(help_text='If they ask for erasure, their answers, attendance and practice minutes may be kept under their participant code, without their name.')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consent_records', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-accepted_at', '-pk'],
                'indexes': [models.Index(fields=['user', 'version'], name='consent_record_user_version')],
            },
        ),
        migrations.CreateModel(
            name='ErasureRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('reason', models.TextField(blank=True, max_length=1000)),
                ('status', models.CharField(choices=[('open', 'Waiting for a coordinator'), ('completed', 'Completed')], default='open', max_length=20)),
                ('completed_at', models.DateTimeField(blank=True, null=True)),
                ('completed_by_email', models.CharField(blank=True, max_length=254)),
                ('kept_research_data', models.BooleanField(blank=True, help_text='Whether pseudonymous research rows were kept.', null=True)),
                ('summary', models.JSONField(blank=True, default=dict)),
                ('completed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='erasure_requests', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-requested_at', '-pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('user',), name='one_open_erasure_request_per_user'), models.CheckConstraint(condition=models.Q(('status', 'open'), ('completed_at__isnull', False), _connector='OR'), name='erasure_completed_has_date')],
            },
        ),
    ]
