"""The self-guided MBSR-8 for MS as shipped (programs/content/mbsr-self-8-ms.json, migration
programs 0012): it has the shape of the group course's file, every code it names exists, and its
questionnaire windows fall before week 1 and after week 8."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from programs.instrument_library import instrument_get
from programs.models import Delivery, EnrollmentStatus, Program
from sessions.questionnaires.services.assessments import assessment_windows_sync
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program

CONTENT = Path(__file__).resolve().parents[2] / "programs" / "content"
SELF_GUIDED = json.loads((CONTENT / "mbsr-self-8-ms.json").read_text(encoding="utf-8"))
GROUP = json.loads((CONTENT / "mbsr-8-ms.json").read_text(encoding="utf-8"))


def _keys(items):
    return {key for item in items for key in item}


def test_the_file_has_the_shape_of_the_group_course():
    assert set(SELF_GUIDED) == set(GROUP)
    assert _keys(SELF_GUIDED["sessions"]) == _keys(GROUP["sessions"])
    assert _keys(SELF_GUIDED["practices"]) == _keys(GROUP["practices"])
    assert _keys(SELF_GUIDED["measurement_points"]) == _keys(GROUP["measurement_points"])
    assert _keys(SELF_GUIDED["follow_up_points"]) == _keys(GROUP["follow_up_points"])
    for session in SELF_GUIDED["sessions"]:
        for field in ("title", "aims", "material", "home_practice", "reflection_prompt"):
            assert isinstance(session[field], str), field
            assert session[field].strip(), field
        assert isinstance(session["practices"], list)
        assert session["practices"]
        assert session["fidelity"] == []  # nobody runs a session to rate


def test_eight_required_weeks_a_sensible_threshold_and_self_guided_delivery():
    assert SELF_GUIDED["slug"] == "mbsr-self-8-ms"
    assert SELF_GUIDED["delivery"] == Delivery.SELF_GUIDED
    numbers = [s["number"] for s in SELF_GUIDED["sessions"]]
    assert numbers == list(range(1, 9))
    assert not any(s["optional"] for s in SELF_GUIDED["sessions"])
    assert SELF_GUIDED["completion_threshold"] == 6


def test_every_practice_a_week_names_exists_and_has_a_short_option():
    codes = {p["code"] for p in SELF_GUIDED["practices"]}
    for session in SELF_GUIDED["sessions"]:
        assert set(session["practices"]) <= codes, session["number"]
    for practice in SELF_GUIDED["practices"]:
        assert practice["adaptations"].strip()
        assert min(practice["durations"]) <= 10, practice["code"]
    assert {"body_scan", "sitting_meditation", "mindful_movement", "breathing_space"} <= codes


def test_every_instrument_exists_in_the_library_and_matches_the_group_course():
    points = [*SELF_GUIDED["measurement_points"], *SELF_GUIDED["follow_up_points"]]
    for point in points:
        for code in [*point["instruments"], *point["optional_instruments"]]:
            instrument_get(code)
    group_baseline = GROUP["measurement_points"][0]["instruments"]
    assert [p["kind"] for p in SELF_GUIDED["measurement_points"]] == ["baseline", "post"]
    for point in points:
        assert point["instruments"] == group_baseline
    assert [p["code"] for p in SELF_GUIDED["follow_up_points"]] == [
        p["code"] for p in GROUP["follow_up_points"]
    ]


def test_the_material_stands_alone_without_a_teacher():
    """What a teacher would have said in the group: it sits beside medical care, the wandering
    mind, where to get help, and how to adapt; paragraphs are Markdown with a few headings."""
    materials = [s["material"] for s in SELF_GUIDED["sessions"]]
    everything = "\n".join(materials)
    assert "does not replace it" in materials[0]
    assert "mind wanders" in materials[0].lower() or "mind will wander" in materials[0].lower()
    for material in materials:
        assert "\n\n" in material
        assert "## " in material
        # Where to turn in distress, every week: someone may start reading at any week.
        assert "Get help" in material
        assert "harming yourself" in material
    for word in ("numb", "hot", "tired", "spasticity"):
        assert word in (everything + json.dumps(SELF_GUIDED["practices"])).lower(), word


@pytest.mark.django_db
def test_the_migration_ships_it_with_its_weeks_and_plan():
    program = shipped_program("mbsr-self-8-ms")
    assert program.is_self_guided
    assert program.is_shipped
    assert program.is_active
    assert program.sessions.count() == 8
    assert sorted(program.measurement_points.values_list("code", flat=True)) == [
        "baseline",
        "follow_up_3m",
        "follow_up_6m",
        "post",
    ]
    week = program.sessions.get(number=3)
    assert [p["code"] for p in week.practice_items()] == week.practices


@pytest.mark.django_db
def test_shipping_again_changes_nothing_already_there():
    from importlib import import_module

    from django.apps import apps

    program = shipped_program("mbsr-self-8-ms")
    program.sessions.filter(number=1).update(title="Our own first week")
    import_module("programs.migrations.0012_ship_self_guided").ship(apps, None)
    assert Program.objects.filter(slug="mbsr-self-8-ms").count() == 1
    assert program.sessions.get(number=1).title == "Our own first week"
    assert program.sessions.count() == 8


@pytest.mark.django_db
def test_baseline_opens_before_week_1_and_post_after_week_8():
    """A self-guided course has no sessions: the windows follow the weeks as the calendar lays
    them out from the start date, whatever meeting day the cohort row holds."""
    program = shipped_program("mbsr-self-8-ms")
    # Starts on a Thursday; the row's meeting day (Tuesday) and time mean nothing here.
    cohort = CohortFactory(
        program=program,
        start_date=dt.date(2026, 9, 3),
        meeting_weekday=1,
        meeting_time=dt.time(18, 0),
        timezone="Europe/London",
    )
    enrollment = EnrollmentFactory(
        cohort=cohort, user=UserFactory(), status=EnrollmentStatus.ACTIVE
    )
    windows = {a.measurement_point.code: a for a in assessment_windows_sync(enrollment=enrollment)}
    week_1_opens = dt.datetime(2026, 9, 2, 23, 0, tzinfo=dt.UTC)  # 3 September, 00:00 London
    week_8_ends = week_1_opens + dt.timedelta(weeks=8)
    baseline, post = windows["baseline"], windows["post"]
    assert baseline.opens_at == week_1_opens - dt.timedelta(days=14)
    assert baseline.opens_at < week_1_opens < baseline.closes_at
    assert baseline.closes_at == week_1_opens + dt.timedelta(days=7)
    assert post.opens_at == week_8_ends
    assert post.closes_at == week_8_ends + dt.timedelta(days=28)
    assert windows["follow_up_3m"].opens_at == week_8_ends + dt.timedelta(days=91)
    assert windows["follow_up_6m"].opens_at == week_8_ends + dt.timedelta(days=182)
