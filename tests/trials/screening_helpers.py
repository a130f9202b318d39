"""Screening answers and people for tests: a valid, eligible set of answers to change one at a
time, the same as the page posts them, and screenings in each waitlist state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.models import Organization, User
from programs.models import Cohort, Program
from sessions.trials.models import Screening
from sessions.trials.services.offers import waitlist_offer
from sessions.trials.services.screening import screening_record


def phq9(*values: int) -> dict[str, int]:
    """PHQ-9 items 1..9 (default all 0)."""
    items = list(values) + [0] * (9 - len(values))
    return {str(n): v for n, v in enumerate(items, start=1)}


def answers(program_slug: str = "mbsr-8-ms", **changes: Any) -> dict[str, Any]:
    """Answers that meet every rule; keyword arguments change single answers."""
    found: dict[str, Any] = {
        "age": 45,
        "ms_confirmed": True,
        "in_another_course": False,
        "sex": "female",
        "site": "main_clinic",
        "edss_band": "edss_0_3_5",
        "phq9": phq9(1, 1, 1, 1),
    }
    found["group_sessions" if program_slug == "mbsr-8-ms" else "phone_sessions"] = True
    found.update(changes)
    return found


def form_data(
    program_slug: str = "mbsr-8-ms",
    *,
    full_name: str = "Robin Screened",
    email: str = "robin@example.org",
    consented: bool = True,
    **changes: Any,
) -> dict[str, Any]:
    """What the screening page posts for these answers."""
    data: dict[str, Any] = {"full_name": full_name, "email": email, "phone": "0161 496 0000"}
    if consented:
        data["consented"] = "on"
    for code, value in answers(program_slug, **changes).items():
        if code == "phq9":
            data.update({f"phq9_{n}": str(v) for n, v in value.items()})
        elif isinstance(value, bool):
            data[code] = "yes" if value else "no"
        else:
            data[code] = str(value)
    return data


def screen(
    *,
    organization: Organization,
    program: Program,
    by: User,
    email: str = "robin@example.org",
    full_name: str = "Robin Screened",
    consented: bool = True,
    now: dt.datetime | None = None,
    **changes: Any,
) -> Screening:
    return screening_record(
        organization=organization,
        program=program,
        by=by,
        full_name=full_name,
        email=email,
        answers=answers(program.slug, **changes),
        consented=consented,
        now=now,
    )


def offered(*, cohort: Cohort, by: User, email: str = "offered@example.org") -> Screening:
    screening = screen(organization=cohort.organization, program=cohort.program, by=by, email=email)
    return waitlist_offer(screening=screening, cohort=cohort, by=by)
