# Person codes: one pseudonym per person and organization, beside each enrollment's participant
# code in exports. Everyone already enrolled gets theirs here; later ones when enrolled.

import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The alphabet of programs.services.CODE_ALPHABET, copied: a migration keeps the rule it ran with.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def draw_codes_for_enrolled_people(apps, schema_editor):
    Enrollment = apps.get_model("programs", "Enrollment")
    PersonCode = apps.get_model("programs", "PersonCode")
    taken = set(PersonCode.objects.values_list("code", flat=True))
    people = (
        Enrollment.objects.values_list("cohort__organization_id", "user_id")
        .distinct()
        .order_by("cohort__organization_id", "user_id")
    )
    rows = []
    for organization_id, user_id in people.iterator():
        code = ""
        while not code or code in taken:
            code = "PS-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
        taken.add(code)
        rows.append(PersonCode(organization_id=organization_id, user_id=user_id, code=code))
    PersonCode.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_log_and_membership_history"),
        ("programs", "0005_history_of_cohorts_and_enrollments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=20, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="person_codes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "user"),
                        name="one_person_code_per_organization_user",
                    )
                ],
            },
        ),
        migrations.RunPython(draw_codes_for_enrolled_people, migrations.RunPython.noop),
    ]
