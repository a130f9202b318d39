from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from programs.models import Program
from tests.factories import CohortFactory, shipped_program

# A Monday in August 2026: cohorts starting in September are in the future, and an MBSR
# course starting mid-September runs across the October clock change.
NOW = dt.datetime(2026, 8, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mbsr(db) -> Program:
    return shipped_program("mbsr-8-ms")


@pytest.fixture
def ier(db) -> Program:
    return shipped_program("ier-6")


@pytest.fixture
def cohort(organization, facilitator_user, mbsr):
    return CohortFactory(
        organization=organization,
        program=mbsr,
        name="Tuesday evenings",
        start_date=dt.date(2026, 9, 15),
        facilitators=[facilitator_user],
    )


@pytest.fixture
def ier_cohort(organization, facilitator_user, ier):
    return CohortFactory(
        organization=organization,
        program=ier,
        name="IER autumn",
        start_date=dt.date(2026, 9, 14),
        meeting_weekday=0,
        meeting_time=dt.time(10, 0),
        facilitators=[facilitator_user],
    )
