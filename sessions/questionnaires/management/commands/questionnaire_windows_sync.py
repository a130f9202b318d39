"""Give every current participant the questionnaire windows of their program's plan as it is now."""

from typing import Any

from django.core.management.base import BaseCommand

from programs.models import Cohort
from sessions.questionnaires.services.assessments import assessment_windows_sync_for_cohort


class Command(BaseCommand):
    # Windows follow the schedule when it changes; a point added to a plan later (the shipped
    # follow-ups of programs 0009, or one added in the admin) reaches people already enrolled
    # only through this. Completed and staff-set windows stay as they are, so it is safe to rerun.
    help = "Set up or move every current participant's questionnaire windows to follow the plan."

    def handle(self, *args: Any, **options: Any) -> None:
        cohorts = Cohort.objects.select_related("program").order_by("pk")
        count = 0
        for cohort in cohorts.iterator(chunk_size=200):
            assessment_windows_sync_for_cohort(cohort=cohort)
            count += 1
        cohorts_text = f"{count} cohort{'s' if count != 1 else ''}"
        self.stdout.write(f"Questionnaire windows follow the plan in {cohorts_text}.")
