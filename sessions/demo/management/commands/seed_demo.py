"""Seed deterministic demo data for a local run (refuses when DEBUG is off)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.demo import (
    DEMO_PARTICIPANT_WITHOUT_CONSENT,
    DEMO_PASSWORD,
    demo_people_ensure,
    demo_totp_instructions,
)
from sessions.demo.courses import demo_courses_ensure
from sessions.demo.self_guided import demo_self_guided_ensure
from sessions.demo.trial import demo_trial_ensure


class Command(BaseCommand):
    help = "Create or refresh the demo organization, staff, participants and courses (local runs only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--participants", type=int, default=12, help="How many demo participants (default 12)."
        )

    def handle(self, *args: Any, participants: int, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG on: demo accounts share a published password."
            )
        if participants < 1:
            raise CommandError("--participants must be at least 1.")
        people = demo_people_ensure(participants=participants)
        # Before the courses, so the list of cohorts printed below is the same on every run.
        trial = demo_trial_ensure(people=people)
        self_guided = demo_self_guided_ensure(people=people)
        cohorts = demo_courses_ensure(people=people)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in “{people.organization.name}”."))
        self.stdout.write(f"  coordinator: {people.coordinator.email}")
        for facilitator in people.facilitators:
            self.stdout.write(f"  facilitator: {facilitator.email}")
        self.stdout.write(
            f"  participants: participant1@demo.test … participant{participants}@demo.test"
        )
        if any(p.email == DEMO_PARTICIPANT_WITHOUT_CONSENT for p in people.participants):
            self.stdout.write(
                f"  {DEMO_PARTICIPANT_WITHOUT_CONSENT} has not accepted the consent yet: "
                "sign in as them to see the consent page."
            )
        self.stdout.write(
            "  participant1@demo.test has questionnaires open: sign in as them to fill them in."
        )
        self.stdout.write("Cohorts:")
        for cohort in cohorts:
            if cohort.name == self_guided.cohort.name:
                continue  # no sessions to count: it has its own line below
            self.stdout.write(
                f"  {cohort.name} ({cohort.program}): {cohort.participants} participants, "
                f"{cohort.held} of {cohort.sessions} sessions held, "
                f"{cohort.attendance} attendance records, {cohort.practice_logs} practice entries"
            )
        self.stdout.write(
            f"Self-guided course “{self_guided.cohort.name}” ({self_guided.program}, no "
            f"facilitator): {self_guided.participants} participants; sign in as "
            f"{self_guided.sign_in} to carry on with week 2 and try the guided recording."
        )
        self.stdout.write(
            f"Study “{trial.study}”: {trial.screened} screened, {trial.randomized} randomized ("
            + ", ".join(f"{label} {n}" for label, n in trial.per_arm)
            + "); trial people can sign in as:"
        )
        for email, arm in trial.sign_in:
            self.stdout.write(f"  {email} ({arm})")
        self.stdout.write(f"Demo password for every account: {DEMO_PASSWORD}")
        for line in demo_totp_instructions(people):
            self.stdout.write(line)
