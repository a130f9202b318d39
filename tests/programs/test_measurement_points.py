"""Measurement plans hold any number of points (issue 15, point 3): the shipped follow-ups, and a
follow-up before the last session (or a second point of the same name) refused in plain words."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from programs.models import MeasurementKind, MeasurementPoint, Program, WindowAnchor
from tests.factories import ProgramFactory, ship_programs, shipped_program

pytestmark = pytest.mark.django_db

SHIP = import_module("programs.migrations.0009_ship_follow_up_points")


def _plan(program: Program) -> list[tuple[str, str, str, int, int]]:
    return [
        (p.code, p.kind, p.anchor, p.opens_days, p.closes_days)
        for p in program.measurement_points.order_by("id")
    ]


def test_mbsr_ships_baseline_post_and_follow_ups_at_three_and_six_months():
    program = shipped_program("mbsr-8-ms")
    assert _plan(program) == [
        ("baseline", "baseline", "first_session", -14, 0),
        ("post", "post", "last_session", 0, 21),
        # 13 and 26 weeks after the last session, each open for four weeks.
        ("follow_up_3m", "follow_up", "last_session", 91, 119),
        ("follow_up_6m", "follow_up", "last_session", 182, 210),
    ]
    points = {p.code: p for p in program.measurement_points.all()}
    assert points["follow_up_3m"].label == "Three months after the course"
    assert points["follow_up_6m"].label == "Six months after the course"
    assert points["follow_up_6m"].instruments == points["post"].instruments


def test_ier_ships_one_follow_up_three_months_after_the_course_asking_what_post_asks():
    program = shipped_program("ier-6")
    assert [p[0] for p in _plan(program)] == ["baseline", "post", "follow_up_3m"]
    post = program.measurement_points.get(code="post")
    follow_up = program.measurement_points.get(code="follow_up_3m")
    assert (follow_up.instruments, follow_up.optional_instruments) == (
        post.instruments,
        post.optional_instruments,
    )


def test_shipping_again_after_a_flush_gives_every_point_its_own_code():
    # A transactional test's flush empties the tables; ship_programs must rebuild whole plans
    # (points bulk-created without a code are named by their kind, as save() names them).
    Program.objects.filter(slug__in=["mbsr-8-ms", "ier-6"]).delete()
    ship_programs()
    assert [p[0] for p in _plan(Program.objects.get(slug="mbsr-8-ms"))] == [
        "baseline",
        "post",
        "follow_up_3m",
        "follow_up_6m",
    ]


def test_migration_keeps_a_coordinators_own_follow_up_and_reverses_to_baseline_and_post():
    program = shipped_program("ier-6")
    program.measurement_points.filter(code="follow_up_3m").update(label="Our own wording")
    SHIP.ship(django_apps, None)
    assert program.measurement_points.get(code="follow_up_3m").label == "Our own wording"
    SHIP.unship(django_apps, None)
    assert [p[0] for p in _plan(program)] == ["baseline", "post"]
    SHIP.ship(django_apps, None)
    assert program.measurement_points.get(code="follow_up_3m").opens_days == 91


def test_a_point_without_a_code_is_named_by_its_kind():
    program = ProgramFactory()
    point = MeasurementPoint.objects.create(program=program, kind="baseline", label="Before")
    assert point.code == "baseline"


# --- bad input ------------------------------------------------------------------------------


def _point(program: Program, **fields) -> MeasurementPoint:
    values = {
        "kind": MeasurementKind.FOLLOW_UP,
        "code": "follow_up_1m",
        "label": "One month after the course",
        "instruments": ["phq9"],
        "anchor": WindowAnchor.LAST_SESSION,
        "opens_days": 28,
        "closes_days": 56,
    }
    values.update(fields)
    return MeasurementPoint(program=program, **values)


def _messages(point: MeasurementPoint) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        point.full_clean()
    return refused.value.message_dict


def test_a_follow_up_after_the_last_session_is_accepted():
    _point(shipped_program("ier-6")).full_clean()


@pytest.mark.parametrize("opens_days", [0, -7])
def test_a_follow_up_opening_on_or_before_the_last_session_is_refused(opens_days):
    program = shipped_program("ier-6")
    messages = _messages(_point(program, opens_days=opens_days))
    assert messages["opens_days"] == [
        "A follow-up must open after the last session: enter a number of days greater than 0 "
        "(for example 91 for three months)."
    ]


def test_a_follow_up_measured_from_the_first_session_is_refused():
    program = shipped_program("ier-6")
    messages = _messages(_point(program, anchor=WindowAnchor.FIRST_SESSION))
    assert messages["anchor"] == [
        "A follow-up comes after the course: measure it from the last session."
    ]


def test_a_point_named_like_another_of_the_plan_is_refused():
    program = shipped_program("mbsr-8-ms")
    messages = _messages(_point(program, code="follow_up_3m"))
    assert (
        "This plan already has a point called “follow_up_3m”. Give each point its own code."
        in (messages["code"])
    )


def test_a_second_baseline_is_refused_and_a_follow_up_suggested():
    program = shipped_program("mbsr-8-ms")
    point = _point(
        program,
        kind=MeasurementKind.BASELINE,
        code="baseline_again",
        anchor=WindowAnchor.FIRST_SESSION,
        opens_days=-7,
        closes_days=0,
    )
    assert _messages(point)["kind"] == [
        "This plan already has a baseline point. Add another measurement as a follow-up instead."
    ]
