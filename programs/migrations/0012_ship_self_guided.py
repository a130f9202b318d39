"""Ship the self-guided MBSR-8 for MS (programs/content/mbsr-self-8-ms.json): eight weeks a
participant works through on their own, each opening once the one before is completed, with no
facilitator (so no fidelity checklists).

Its questionnaire windows are measured like the group course's, from the weeks as the calendar
lays them out from the cohort's start date (a self-guided course has no sessions): baseline
opens two weeks before week 1 and stays open through week 1, so someone who first signs in a
few days after the start can still answer before they begin; post opens when week 8 ends by
the calendar and stays open four weeks; the follow-ups are three and six months after that.

Like 0002, 0004, 0009 and 0010: a program that already exists (matched by slug) is left as it
is, so a re-run on a restored database never overwrites anything. Reversed, the program is
removed only while no cohort runs it.
"""

import json
from pathlib import Path

from django.db import migrations

CONTENT = Path(__file__).resolve().parent.parent / "content"
FILE = "mbsr-self-8-ms.json"
SLUG = "mbsr-self-8-ms"
PROGRAM_FIELDS = [
    "name",
    "summary",
    "delivery",
    "cadence_days",
    "completion_threshold",
    "default_session_minutes",
    "log_kind",
    "practices",
    "strategies",
]
SESSION_FIELDS = [
    "title",
    "aims",
    "material",
    "practices",
    "home_practice",
    "reflection_prompt",
    "default_modality",
    "default_minutes",
    "adaptations",
    "optional",
    "schedule_after",
]
POINT_FIELDS = [
    "kind",
    "label",
    "instruments",
    "optional_instruments",
    "anchor",
    "opens_days",
    "closes_days",
]


def ship(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    ProgramSession = apps.get_model("programs", "ProgramSession")
    MeasurementPoint = apps.get_model("programs", "MeasurementPoint")
    data = json.loads((CONTENT / FILE).read_text(encoding="utf-8"))
    program, created = Program.objects.get_or_create(
        slug=data["slug"], defaults={field: data[field] for field in PROGRAM_FIELDS}
    )
    if not created:
        return
    ProgramSession.objects.bulk_create(
        ProgramSession(
            program=program,
            number=item["number"],
            fidelity_items=[
                {"code": element["code"], "text": element["text"]}
                for element in item.get("fidelity", [])
            ],
            **{field: item[field] for field in SESSION_FIELDS},
        )
        for item in data["sessions"]
    )
    for item in [*data["measurement_points"], *data.get("follow_up_points", [])]:
        MeasurementPoint.objects.create(
            program=program,
            code=item.get("code", item["kind"]),
            **{field: item[field] for field in POINT_FIELDS},
        )


def unship(apps, schema_editor):
    """Take the program out again while no cohort runs it.

    Plain DELETE statements, not QuerySet.delete(): the delete collector would look through
    every table that may point at a program or its plan (screenings, studies, assessments), and
    going back, apps that came after this migration have dropped theirs already. A program an
    organization copied or screened people for stays referenced, and the database refuses.
    """
    Program = apps.get_model("programs", "Program")
    Cohort = apps.get_model("programs", "Cohort")
    program = Program.objects.filter(slug=SLUG).values_list("pk", flat=True).first()
    if program is None or Cohort.objects.filter(program_id=program).exists():
        return
    for name in ("MeasurementPoint", "ProgramSession"):
        table = apps.get_model("programs", name)._meta.db_table
        schema_editor.execute(f"DELETE FROM {table} WHERE program_id = %s", [program])  # noqa: S608
    schema_editor.execute(f"DELETE FROM {Program._meta.db_table} WHERE id = %s", [program])  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("programs", "0011_program_organization_status")]

    operations = [migrations.RunPython(ship, unship)]
