# An enrollment records when the person accepted it, signed in as themselves, and keeps what the
# coordinator typed (name, phone); until it is accepted, staff see only what they typed.
#
# Existing rows: an enrollment counts as accepted from the moment it was activated (activated_at),
# the only record there is of the person taking it up; one never activated is not accepted. The
# typed name and phone of a row not accepted are taken from its account only where that account
# never had a password: such an account was made from what a coordinator typed. An account
# with a password is someone's own, so its details are not copied to a row they never accepted.

from django.db import migrations, models
from django.db.models import F


def accept_activated_and_keep_typed_details(apps, schema_editor):
    Enrollment = apps.get_model("programs", "Enrollment")
    Enrollment.objects.filter(activated_at__isnull=False).update(accepted_at=F("activated_at"))
    rows = []
    for enrollment in (
        Enrollment.objects.filter(accepted_at__isnull=True).select_related("user").iterator()
    ):
        user = enrollment.user
        # An unusable password starts with "!" (django.contrib.auth.hashers.UNUSABLE_PASSWORD_PREFIX).
        if user.password and not user.password.startswith("!"):
            continue
        enrollment.invited_name = user.full_name[:200]
        enrollment.invited_phone = user.phone[:32]
        rows.append(enrollment)
    Enrollment.objects.bulk_update(rows, ["invited_name", "invited_phone"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0006_person_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="accepted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="invited_name",
            field=models.CharField(
                blank=True,
                help_text="The name the coordinator typed when inviting.",
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="invited_phone",
            field=models.CharField(
                blank=True,
                help_text="The phone number the coordinator typed, if any.",
                max_length=32,
            ),
        ),
        migrations.AddField(
            model_name="historicalenrollment",
            name="accepted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalenrollment",
            name="invited_name",
            field=models.CharField(
                blank=True,
                help_text="The name the coordinator typed when inviting.",
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="historicalenrollment",
            name="invited_phone",
            field=models.CharField(
                blank=True,
                help_text="The phone number the coordinator typed, if any.",
                max_length=32,
            ),
        ),
        migrations.RunPython(accept_activated_and_keep_typed_details, migrations.RunPython.noop),
    ]
