"""The measurement plan page of the program editor: questionnaires in order, window days,
adding and removing follow-ups, and the plan's rules shown as messages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs.authoring.models import ProgramChange, ProgramLine
from programs.authoring.services.versions import draft_get, line_copy_from_shipped
from tests.factories import ship_programs, shipped_program


@pytest.fixture
def line(organization, coordinator_user, db) -> ProgramLine:
    ship_programs()
    return line_copy_from_shipped(
        user=coordinator_user,
        organization=organization,
        source=shipped_program("mbsr-8-ms"),
        name="Our MBSR",
    )


def _points(line: ProgramLine) -> list:
    return list(draft_get(line=line).program.measurement_points.order_by("pk"))


def _plan_data(line: ProgramLine, **changes: dict[str, object]) -> dict[str, object]:
    data: dict[str, object] = {"draft": draft_get(line=line).pk, "action": "save"}
    for point in _points(line):
        values: dict[str, object] = {
            "label": point.label,
            "instruments": list(point.instruments),
            "opens_days": point.opens_days,
            "closes_days": point.closes_days,
        }
        values.update(changes.get(point.code, {}))
        for field, value in values.items():
            data[f"point-{point.pk}-{field}"] = value
    return data


@pytest.fixture
def signed_in(client, coordinator_user):
    client.force_login(coordinator_user)
    return client


def test_the_plan_lists_the_chosen_questionnaires_first_in_their_order(signed_in, line):
    page = signed_in.get(reverse("authoring:draft_plan", args=[line.pk])).content.decode()
    baseline = _points(line)[0]
    first = page.index(f'name="point-{baseline.pk}-instruments" value="pss10"')
    second = page.index(f'name="point-{baseline.pk}-instruments" value="gad7"')
    assert first < second


def test_saving_the_plan_keeps_the_order_ticked_and_records_the_change(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    response = signed_in.post(
        url, _plan_data(line, post={"instruments": ["phq9", "gad7"], "label": "At the end"})
    )
    assert response.status_code == 302
    post = next(p for p in _points(line) if p.kind == "post")
    assert post.instruments == ["phq9", "gad7"]
    assert post.label == "At the end"
    subjects = set(line.changes.values_list("subject", flat=True))
    assert "Measurement plan: After the course: questionnaires" in subjects
    assert "Measurement plan: After the course: name" in subjects


def test_a_window_that_closes_before_it_opens_is_refused_with_what_was_typed(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    response = signed_in.post(
        url, _plan_data(line, post={"opens_days": "30", "closes_days": "10", "label": "Typed"})
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "must close after they open" in page
    assert 'value="Typed"' in page
    assert not line.changes.filter(action=ProgramChange.Action.EDITED).exists()


def test_a_plan_with_no_questionnaire_at_a_point_is_refused(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    response = signed_in.post(url, _plan_data(line, post={"instruments": []}))
    assert response.status_code == 200
    assert "Choose at least one questionnaire." in response.content.decode()


def test_a_questionnaire_not_in_the_library_is_refused(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    response = signed_in.post(url, _plan_data(line, post={"instruments": ["phq9", "made-up"]}))
    assert response.status_code == 200
    assert "Choose questionnaires from the library" in response.content.decode()


def test_adding_a_follow_up_then_the_rules_of_follow_ups_apply(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    draft = draft_get(line=line)
    before = len(_points(line))
    response = signed_in.post(url, {"draft": draft.pk, "action": "add_follow_up"})
    assert response.status_code == 302
    points = _points(line)
    assert len(points) == before + 1
    added = points[-1]
    assert added.kind == "follow_up"
    assert added.opens_days > 0
    # MeasurementPoint.clean: a follow-up opens after the last session.
    response = signed_in.post(
        url, _plan_data(line, **{added.code: {"opens_days": "-3", "closes_days": "10"}})
    )
    assert response.status_code == 200
    assert "A follow-up must open after the last session" in response.content.decode()


def test_removing_a_follow_up_records_it_and_baseline_cannot_be_removed(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    draft = draft_get(line=line)
    follow_up = next(p for p in _points(line) if p.kind == "follow_up")
    baseline = next(p for p in _points(line) if p.kind == "baseline")
    response = signed_in.post(
        url, {"draft": draft.pk, "action": "remove", "point": baseline.pk}, follow=True
    )
    assert "no longer in the plan" in response.content.decode()
    assert baseline in _points(line)
    response = signed_in.post(url, {"draft": draft.pk, "action": "remove", "point": follow_up.pk})
    assert response.status_code == 302
    assert follow_up not in _points(line)
    change = line.changes.get(subject=f"Measurement plan: removed {follow_up.label}")
    assert follow_up.label in change.before


def test_a_plan_form_without_its_draft_says_the_page_was_out_of_date(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    response = signed_in.post(url, {"action": "add_follow_up", "draft": "nonsense"})
    assert response.status_code == 200
    assert "out of date" in response.content.decode()


def test_a_follow_up_before_the_last_session_is_refused_and_nothing_is_saved(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    follow_up = next(p for p in _points(line) if p.kind == "follow_up")
    before = [(p.code, p.opens_days, p.closes_days) for p in _points(line)]
    response = signed_in.post(
        url, _plan_data(line, **{follow_up.code: {"opens_days": "-7", "closes_days": "7"}})
    )
    assert response.status_code == 200
    assert (
        "A follow-up must open after the last session: enter a number of days greater than 0"
        in response.content.decode()
    )
    assert [(p.code, p.opens_days, p.closes_days) for p in _points(line)] == before


def test_a_twelve_month_follow_up_is_accepted(signed_in, line):
    url = reverse("authoring:draft_plan", args=[line.pk])
    follow_up = next(p for p in _points(line) if p.kind == "follow_up")
    response = signed_in.post(
        url, _plan_data(line, **{follow_up.code: {"opens_days": "364", "closes_days": "392"}})
    )
    assert response.status_code == 302
    saved = next(p for p in _points(line) if p.pk == follow_up.pk)
    assert (saved.opens_days, saved.closes_days) == (364, 392)
