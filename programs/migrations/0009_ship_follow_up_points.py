"""Ship the follow-up points of MBSR-8 for MS (3 and 6 months) and IER-6 (3 months) from the
"follow_up_points" of programs/content/*.json.

A point whose code the program already has is left as it is, so a coordinator's own plan
survives. Reversed, the shipped follow-ups nobody was asked yet are removed; one with
questionnaires already set up for someone stays (its answers are data).

New points get windows for people already enrolled the next time their schedule is synced
(`manage.py questionnaire_windows_sync`, see README "Measurement points").
"""

import json
from pathlib import Path

from django.db import migrations

CONTENT = Path(__file__).resolve().parent.parent / "content"
FILES = ["mbsr-8-ms.json", "ier-6.json"]
POINT_FIELDS = [
    "kind",
    "label",
    "instruments",
    "optional_instruments",
    "anchor",
    "opens_days",
    "closes_days",
]


def _follow_ups():
    for name in FILES:
        data = json.loads((CONTENT / name).read_text(encoding="utf-8"))
        for item in data.get("follow_up_points", []):
            yield data["slug"], item


def ship(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    MeasurementPoint = apps.get_model("programs", "MeasurementPoint")
    for slug, item in _follow_ups():
        program = Program.objects.filter(slug=slug).first()
        if program is None:
            continue
        MeasurementPoint.objects.get_or_create(
            program=program,
            code=item["code"],
            defaults={field: item[field] for field in POINT_FIELDS},
        )


def unship(apps, schema_editor):
    MeasurementPoint = apps.get_model("programs", "MeasurementPoint")
    try:
        Assessment = apps.get_model("questionnaires", "Assessment")
    except LookupError:  # questionnaires not migrated (yet): nobody was asked anything
        asked = set()
    else:
        asked = set(Assessment.objects.values_list("measurement_point_id", flat=True).distinct())
    for slug, item in _follow_ups():
        MeasurementPoint.objects.filter(program__slug=slug, code=item["code"]).exclude(
            pk__in=asked
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0008_trials_points_fidelity_pending_arm")]

    operations = [migrations.RunPython(ship, unship)]
