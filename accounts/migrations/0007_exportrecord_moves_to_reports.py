# ExportRecord now belongs to the reports app (reports 0001 takes it over); its table stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_user_questionnaire_layout'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='ExportRecord')],
        ),
    ]
