"""Placeholder: the shipped programs' follow-up measurement points are added here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("programs", "0008_trials_points_fidelity_pending_arm")]

    operations: list[migrations.operations.base.Operation] = []
