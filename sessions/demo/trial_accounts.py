"""The two demo trial accounts that sign in: trial01@demo.test in the waitlist, trial02 in the
intervention arm, both in the latest intake, whatever the random draw gave."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from accounts.models import User
from programs.models import Arm, Enrollment
from sessions.demo.trial_course import INTAKES, TRIAL_EMAIL
from sessions.trials.models import Screening


def sign_in_swap(enrollments: list[Enrollment], arms: dict[int, str]) -> list[tuple[str, str]]:
    """trial01 is a waitlist participant and trial02 gets the course, in the latest intake.

    The arm is drawn at random, so the two addresses README names are given, after
    randomization, to the first person of each arm there (name, address and password move
    together; their answers and allocation stay theirs).
    """
    latest = [e for e in enrollments if e.cohort.name == INTAKES[-1].name]
    wanted = [(1, Arm.CONTROL), (2, Arm.INTERVENTION)]
    result = []
    for number, arm in wanted:
        target = next(e for e in latest if arms[e.pk] == arm)
        holder = User.objects.get(email=TRIAL_EMAIL.format(number))
        if target.user_id != holder.pk:
            _identities_swap(holder, User.objects.get(pk=target.user_id))
        result.append(
            (
                TRIAL_EMAIL.format(number),
                "Waitlist control" if arm == Arm.CONTROL else "Intervention",
            )
        )
    return result


def _identities_swap(first: User, second: User) -> None:
    fields = ("email", "full_name", "password")
    a = {f: getattr(first, f) for f in fields}
    b = {f: getattr(second, f) for f in fields}
    # Through a spare address: each address is unique, for accounts and allauth's records.
    spare = f"swap-{first.pk}@demo.test"
    User.objects.filter(pk=first.pk).update(email=spare)
    EmailAddress.objects.filter(user=first).update(email=spare)
    User.objects.filter(pk=second.pk).update(**a)
    EmailAddress.objects.filter(user=second).update(email=a["email"])
    User.objects.filter(pk=first.pk).update(**b)
    EmailAddress.objects.filter(user=first).update(email=b["email"])
    for user, values in ((first, b), (second, a)):
        Enrollment.objects.filter(user=user).update(invited_name=values["full_name"])
        Screening.objects.filter(enrollment__user=user).update(
            full_name=values["full_name"], email=values["email"]
        )
