"""Ship the fidelity checklists of MBSR-8 for MS and IER-6 (each session's "fidelity" list in
programs/content/*.json): the core elements a facilitator rates after holding the session.

A session whose checklist is already filled (a coordinator wrote one) keeps it, so a re-run on
a restored database never overwrites their edits. Going back empties the checklists again.
"""

import json
from pathlib import Path

from django.db import migrations

CONTENT = Path(__file__).resolve().parent.parent / "content"
FILES = ["mbsr-8-ms.json", "ier-6.json"]


def ship(apps, schema_editor):
    ProgramSession = apps.get_model("programs", "ProgramSession")
    for name in FILES:
        data = json.loads((CONTENT / name).read_text(encoding="utf-8"))
        for item in data["sessions"]:
            checklist = [
                {"code": element["code"], "text": element["text"]}
                for element in item.get("fidelity", [])
            ]
            for session in ProgramSession.objects.filter(
                program__slug=data["slug"], number=item["number"]
            ):
                if not session.fidelity_items:
                    session.fidelity_items = checklist
                    session.save(update_fields=["fidelity_items"])


def unship(apps, schema_editor):
    ProgramSession = apps.get_model("programs", "ProgramSession")
    ProgramSession.objects.filter(program__slug__in=["mbsr-8-ms", "ier-6"]).update(
        fidelity_items=[]
    )


class Migration(migrations.Migration):
    dependencies = [("programs", "0009_ship_follow_up_points")]

    operations = [migrations.RunPython(ship, unship)]
