"""Ship MBSR-8 for MS and IER-6 as data (programs/content/*.json).

Programs that already exist (matched by slug) are left as they are, so a coordinator's edits
survive a re-run of migrations on a restored database.
"""

import json
from pathlib import Path

from django.db import migrations

CONTENT = Path(__file__).resolve().parent.parent / "content"
FILES = ["mbsr-8-ms.json", "ier-6.json"]
PROGRAM_FIELDS = [
    "name", "summary", "delivery", "cadence_days", "completion_threshold",
    "default_session_minutes", "log_kind", "practices", "strategies",
]
SESSION_FIELDS = [
    "title", "aims", "material", "practices", "home_practice", "reflection_prompt",
    "default_modality", "default_minutes", "adaptations", "optional", "schedule_after",
]


def ship(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    ProgramSession = apps.get_model("programs", "ProgramSession")
    MeasurementPoint = apps.get_model("programs", "MeasurementPoint")
    for name in FILES:
        data = json.loads((CONTENT / name).read_text(encoding="utf-8"))
        program, created = Program.objects.get_or_create(
            slug=data["slug"], defaults={field: data[field] for field in PROGRAM_FIELDS}
        )
        if not created:
            continue
        ProgramSession.objects.bulk_create(
            ProgramSession(program=program, number=item["number"], **{f: item[f] for f in SESSION_FIELDS})
            for item in data["sessions"]
        )
        # Run on today's models (tests ship the programs again after a flush), a point also
        # needs its code, which later migrations added; here one point per kind, named by it.
        named = any(f.name == "code" for f in MeasurementPoint._meta.get_fields())
        MeasurementPoint.objects.bulk_create(
            MeasurementPoint(
                program=program,
                kind=item["kind"],
                label=item["label"],
                **({"code": item["kind"]} if named else {}),
            )
            for item in data["measurement_points"]
        )


def unship(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    Program.objects.filter(slug__in=["mbsr-8-ms", "ier-6"], cohorts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
