# "How to show questionnaires" is how a person reads, not a reminder setting: it moves from
# Preferences to the person (accounts.User), keeping everyone's choice.

from django.db import migrations


def _copy_to_person(apps, schema_editor):
    Preferences = apps.get_model("notifications", "Preferences")
    User = apps.get_model("accounts", "User")
    for layout in ("whole", "one_question"):
        user_ids = Preferences.objects.filter(questionnaire_layout=layout).values("user_id")
        User.objects.filter(pk__in=user_ids).update(questionnaire_layout=layout)


def _copy_back(apps, schema_editor):
    Preferences = apps.get_model("notifications", "Preferences")
    User = apps.get_model("accounts", "User")
    for layout in ("whole", "one_question"):
        user_ids = User.objects.filter(questionnaire_layout=layout).values("pk")
        Preferences.objects.filter(user_id__in=user_ids).update(questionnaire_layout=layout)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_user_questionnaire_layout'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(_copy_to_person, _copy_back),
        migrations.RemoveField(model_name='historicalpreferences', name='questionnaire_layout'),
        migrations.RemoveField(model_name='preferences', name='questionnaire_layout'),
    ]
