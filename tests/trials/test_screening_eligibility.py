"""Screening forms as data: loading and checking the files, and each eligibility rule at its
boundary values, PHQ-9 threshold and the item 9 safety routing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sessions.trials import eligibility
from sessions.trials.checks import check_screening_files
from sessions.trials.eligibility import (
    ScreeningAnswerError,
    ScreeningFormError,
    answers_clean,
    evaluate,
    load_forms,
    safety_flagged,
    screening_form,
)
from tests.trials.screening_helpers import answers, phq9

FORM = screening_form("mbsr-8-ms")


def verdict(**changes):
    eligible, reasons = evaluate(FORM, answers_clean(FORM, answers(**changes)))
    return eligible, [r["text"] for r in reasons]


def test_both_shipped_programs_have_a_form_that_loads_with_stratification_questions():
    forms = load_forms()
    assert set(forms) == {"ier-6", "mbsr-8-ms"}
    for form in forms.values():
        choices = {q.code: [o.label for o in q.options] for q in form.choice_questions}
        assert choices["sex"] == ["Female", "Male", "Another answer", "Prefer not to say"]
        assert choices["edss_band"] == ["0 to 3.5", "4 to 6.5", "7 or more", "Not known"]
        assert "site" in choices
    assert check_screening_files() == []


def test_every_answer_meeting_the_rules_is_eligible_with_no_reasons():
    assert verdict() == (True, [])


@pytest.mark.parametrize(("age", "eligible"), [(17, False), (18, True), (19, True), (0, False)])
def test_adult_rule_at_its_boundary(age, eligible):
    assert verdict(age=age) == (eligible, [] if eligible else ["Under 18"])


def test_no_confirmed_diagnosis_is_a_reason():
    assert verdict(ms_confirmed=False) == (False, ["No confirmed MS diagnosis"])


def test_in_another_course_by_their_answer_or_by_their_account():
    assert verdict(in_another_course=True) == (False, ["Already in another course"])
    clean = answers_clean(FORM, answers())
    eligible, reasons = evaluate(FORM, clean, in_another_course=True)
    assert not eligible
    assert [r["code"] for r in reasons] == ["not_in_another_course"]


@pytest.mark.parametrize(
    ("items", "eligible"),
    [
        ((3, 3, 3, 3, 3, 3, 1, 0, 0), True),  # 19
        ((3, 3, 3, 3, 3, 3, 2, 0, 0), False),  # 20
        ((3, 3, 3, 3, 3, 3, 3, 3, 0), False),  # 24
        ((), True),  # 0
    ],
)
def test_phq9_total_below_20_is_the_threshold(items, eligible):
    found, reasons = verdict(phq9=phq9(*items))
    assert found is eligible
    if not eligible:
        assert reasons == ["PHQ-9 total 20 or more: severe depression; refer to their clinician"]


def test_every_rule_not_met_is_listed_in_the_forms_order():
    _eligible, reasons = verdict(age=16, ms_confirmed=False, group_sessions=False)
    assert reasons == [
        "Under 18",
        "No confirmed MS diagnosis",
        "Cannot come to the weekly group sessions",
    ]


@pytest.mark.parametrize(("item9", "flagged"), [(0, False), (1, True), (3, True)])
def test_item_9_above_0_routes_to_safety_whatever_the_verdict(item9, flagged):
    items = phq9(0, 0, 0, 0, 0, 0, 0, 0, item9)
    clean = answers_clean(FORM, answers(phq9=items, age=15))
    assert safety_flagged(FORM, clean) is flagged


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"age": 121}, "age"),
        ({"age": -1}, "age"),
        ({"age": "forty"}, "age"),
        ({"age": True}, "age"),
        ({"ms_confirmed": "yes"}, "ms_confirmed"),
        ({"sex": "robot"}, "sex"),
        ({"phq9": {"1": 0}}, "phq9_2"),
        ({"phq9": phq9(4)}, "phq9_1"),
    ],
)
def test_impossible_or_missing_answers_are_refused_with_a_message(changes, key):
    with pytest.raises(ScreeningAnswerError) as caught:
        answers_clean(FORM, answers(**changes))
    assert key in caught.value.problems
    assert caught.value.problems[key]


def test_a_missing_answer_is_refused():
    given = answers()
    del given["site"]
    with pytest.raises(ScreeningAnswerError) as caught:
        answers_clean(FORM, given)
    assert caught.value.problems == {"site": "Choose an answer for “Site”."}


def test_unknown_program_has_no_form():
    with pytest.raises(ScreeningFormError):
        screening_form("no-such-program")


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "screening"
    shutil.copytree(eligibility.SCREENING_DIR, folder)
    return folder


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["rules"].append({**d["rules"][0], "code": "x", "question": "nope"}),
            "no question",
        ),
        (lambda d: d["rules"][0].update(kind="is_yes"), "needs a yes_no question"),
        (lambda d: d["questions"][0].update(type="scale"), "type"),
        (lambda d: d.update(program="other"), "does not match the file name"),
        (lambda d: d["safety"][0].update(flag="nothing"), "has no item flag"),
        (lambda d: d["questions"].append(d["questions"][0]), "question codes repeat"),
    ],
)
def test_a_broken_file_is_refused_at_load_naming_the_problem(tmp_path, change, problem):
    folder = _copy(tmp_path)
    path = folder / "mbsr-8-ms.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ScreeningFormError, match=problem):
        load_forms(folder)


def test_the_system_check_reports_a_broken_file(tmp_path, monkeypatch):
    folder = _copy(tmp_path)
    (folder / "ier-6.json").write_text("{")
    monkeypatch.setattr(eligibility, "SCREENING_DIR", folder)
    errors = check_screening_files()
    assert [e.id for e in errors] == ["trials.E001"]
