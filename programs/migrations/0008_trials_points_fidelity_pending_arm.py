"""Trials: measurement points get a code (a plan may hold several follow-ups), program sessions a
fidelity checklist, and an enrollment may wait for its allocation ("pending" arm)."""

from django.db import migrations, models
from django.db.models import F


def name_points_by_kind(apps, schema_editor):
    # Until now a plan held one point per kind, so the kind is a unique name for each.
    MeasurementPoint = apps.get_model("programs", "MeasurementPoint")
    MeasurementPoint.objects.filter(code="").update(code=F("kind"))


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0007_enrollment_accepted_and_typed_details"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="measurementpoint",
            name="one_measurement_point_per_kind",
        ),
        migrations.AddField(
            model_name="measurementpoint",
            name="code",
            field=models.SlugField(default="", max_length=40),
        ),
        migrations.AddField(
            model_name="programsession",
            name="fidelity_items",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="enrollment",
            name="arm",
            field=models.CharField(
                choices=[
                    ("intervention", "Intervention"),
                    ("control", "Control"),
                    ("pending", "Not yet allocated"),
                ],
                default="intervention",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="historicalenrollment",
            name="arm",
            field=models.CharField(
                choices=[
                    ("intervention", "Intervention"),
                    ("control", "Control"),
                    ("pending", "Not yet allocated"),
                ],
                default="intervention",
                max_length=20,
            ),
        ),
        migrations.RunPython(name_points_by_kind, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="measurementpoint",
            constraint=models.UniqueConstraint(
                fields=("program", "code"), name="one_measurement_point_per_code"
            ),
        ),
    ]
