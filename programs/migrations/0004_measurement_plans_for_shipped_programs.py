"""Give MBSR-8 for MS and IER-6 their questionnaire plans (BRIEF §4) from programs/content/*.json.

Only points still without instruments are filled, so a coordinator's later choice survives.
"""

import json
from pathlib import Path

from django.db import migrations

CONTENT = Path(__file__).resolve().parent.parent / "content"
FILES = ["mbsr-8-ms.json", "ier-6.json"]
PLAN_FIELDS = ["instruments", "optional_instruments", "anchor", "opens_days", "closes_days"]


def plan(apps, schema_editor):
    MeasurementPoint = apps.get_model("programs", "MeasurementPoint")
    for name in FILES:
        data = json.loads((CONTENT / name).read_text(encoding="utf-8"))
        for item in data["measurement_points"]:
            MeasurementPoint.objects.filter(
                program__slug=data["slug"], kind=item["kind"], instruments=[]
            ).update(**{field: item[field] for field in PLAN_FIELDS})


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_measurement_plans")]

    operations = [migrations.RunPython(plan, migrations.RunPython.noop)]
