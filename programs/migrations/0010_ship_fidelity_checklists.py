"""Placeholder: the shipped programs' fidelity checklists are added here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("programs", "0009_ship_follow_up_points")]

    operations: list[migrations.operations.base.Operation] = []
