"""seed_demo's randomized trial: IER against a waitlist control, with the gaps real trials have."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD, demo_people_ensure
from accounts.models import User
from programs.models import Arm, Enrollment, EnrollmentStatus
from programs.scoring import score
from sessions.demo.trial import STUDY_NAME, demo_trial_ensure
from sessions.models import (
    Attendance,
    AttendanceStatus,
    FidelityRating,
    RaterRole,
    ScheduledSession,
    SessionStatus,
)
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from sessions.reports.selectors.trial_results import consort_flow
from sessions.trials.models import Allocation, AllocationSlot, OfferStatus, Screening, Study

pytestmark = pytest.mark.django_db

# A Wednesday, as in test_seed_demo.
NOW = dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC)
POINTS = ("baseline", "post", "follow_up_3m")


@pytest.fixture
def study():
    with time_machine.travel(NOW, tick=False):
        people = demo_people_ensure(participants=1)
        demo_trial_ensure(people=people)
    return Study.objects.get(name=STUDY_NAME)


def _allocations(study: Study) -> list[Allocation]:
    return list(
        Allocation.objects.filter(study=study).select_related("arm", "enrollment__screening")
    )


def test_forty_odd_people_are_randomized_across_both_arms_and_both_sexes(study):
    assert study.strata == ["sex"]
    assert [(a.label, a.ratio, a.is_comparator) for a in study.arms.all()] == [
        ("Intervention", 1, False),
        ("Waitlist control", 1, True),
    ]
    waitlist = study.arms.get(is_comparator=True)
    assert waitlist.what_happens_next.startswith("You will be offered the course after your three")
    allocations = _allocations(study)
    assert len(allocations) >= 40
    cells = Counter((a.arm.code, a.enrollment.screening.answers["sex"]) for a in allocations)
    assert set(cells) == {
        (arm, sex) for arm in ("intervention", "waitlist") for sex in ("female", "male")
    }
    for allocation in allocations:
        # The stratum is the person's screening answer; the enrollment follows the arm drawn.
        assert allocation.stratum_key == f"sex={allocation.enrollment.screening.answers['sex']}"
        assert allocation.enrollment.arm == allocation.arm.enrollment_arm
        assert allocation.slot.used_at == allocation.allocated_at
    # Drawn from the sealed sequence: the slots used are the first of each stratum's, in order.
    for key in {a.stratum_key for a in allocations}:
        used = list(
            AllocationSlot.objects.filter(study=study, stratum_key=key)
            .order_by("position")
            .values_list("used_at", flat=True)
        )
        n = sum(1 for a in allocations if a.stratum_key == key)
        assert all(used[:n])
        assert not any(used[n:])
    # Only the intervention arm has sessions; everyone was randomized before their first one.
    for allocation in allocations:
        sessions = ScheduledSession.objects.filter(enrollment=allocation.enrollment)
        if allocation.arm.code == "waitlist":
            assert not sessions.exists()
        else:
            assert sessions.count() == 6
            assert allocation.allocated_at < sessions.order_by("starts_at").first().starts_at


def test_screening_keeps_the_ineligible_with_their_reasons_and_the_waitlist(study):
    screenings = Screening.objects.filter(study=study)
    assert screenings.count() >= 55
    ineligible = list(screenings.filter(eligible=False))
    assert len(ineligible) >= 8
    assert all(s.reasons and all(r["text"] for r in s.reasons) for s in ineligible)
    assert len({r["code"] for s in ineligible for r in s.reasons}) >= 4
    assert not any(s.waitlisted_at or s.enrollment_id for s in ineligible)
    assert screenings.filter(eligible=True, consented=False).count() == 4
    assert screenings.filter(offer_status=OfferStatus.WAITING, enrollment__isnull=True).count() == 1
    offered = screenings.get(offer_status=OfferStatus.OFFERED)
    assert offered.offer_expires_at > NOW
    assert offered.enrollment.status == EnrollmentStatus.INVITED
    assert not hasattr(offered.enrollment, "allocation")
    assert not screenings.filter(safety_flagged=True).exists()


def test_questionnaires_at_every_point_with_missing_answers_in_both_arms(study):
    allocations = _allocations(study)
    by_arm = {a.enrollment_id: a.arm.code for a in allocations}
    assessments = list(
        Assessment.objects.filter(enrollment_id__in=by_arm)
        .select_related("measurement_point")
        .prefetch_related("responses")
    )
    for point in POINTS:
        assert Response.objects.filter(
            assessment__enrollment_id__in=by_arm, assessment__measurement_point__code=point
        ).exists(), point
    # Randomization needs a baseline: everyone completed theirs before being allocated.
    baseline = [a for a in assessments if a.measurement_point.code == "baseline"]
    assert len(baseline) == len(allocations)
    assert all(a.completed_at is not None for a in baseline)
    # Missing after the course and at three months, in both arms: windows that closed unanswered.
    for point in ("post", "follow_up_3m"):
        missed = Counter(
            by_arm[a.enrollment_id]
            for a in assessments
            if a.measurement_point.code == point and a.closes_at < NOW and not a.responses.all()
        )
        assert missed["intervention"] > 0, (point, missed)
        assert missed["waitlist"] > 0, (point, missed)
    # Every answer was given inside its window, scores, and never raises a safety flag.
    for assessment in assessments:
        for response in assessment.responses.all():
            assert assessment.opens_at <= response.submitted_at < assessment.closes_at
            assert score(response.instrument, response.answer_map()).total is not None
    assert not SafetyEvent.objects.filter(enrollment_id__in=by_arm).exists()
    # Some follow-ups are still to come (the latest intake) or open now.
    later = [a for a in assessments if a.measurement_point.code == "follow_up_3m"]
    assert any(a.opens_at > NOW for a in later)
    assert any(a.opens_at <= NOW < a.closes_at for a in later)


def _mean_change(study: Study, point: str, instrument: str) -> dict[str, float]:
    totals: dict[tuple[int, str], int | None] = {}
    for response in Response.objects.filter(
        assessment__enrollment__allocation__study=study, instrument=instrument
    ).select_related("assessment__measurement_point"):
        key = (response.assessment.enrollment_id, response.assessment.measurement_point.code)
        totals[key] = score(instrument, response.answer_map()).total
    changes: dict[str, list[int]] = {}
    for allocation in _allocations(study):
        after = totals.get((allocation.enrollment_id, point))
        before = totals.get((allocation.enrollment_id, "baseline"))
        if after is not None and before is not None:
            changes.setdefault(allocation.arm.code, []).append(after - before)
    return {arm: statistics.mean(values) for arm, values in changes.items()}


def test_the_intervention_improves_a_little_more_than_the_waitlist(study):
    # Who is in which arm is drawn at random on every seed, so these leave a wide margin: the
    # demo moves the intervention's PHQ-9 about 2.5 points more than the waitlist's.
    phq9 = _mean_change(study, "post", "phq9")
    assert phq9["intervention"] < phq9["waitlist"]
    assert phq9["intervention"] > -8  # a little, not a miracle
    assert _mean_change(study, "post", "ierq")["intervention"] > 0


def test_two_people_withdrew_with_their_reasons_one_in_each_arm(study):
    withdrawn = list(
        Enrollment.objects.filter(allocation__study=study, status=EnrollmentStatus.WITHDRAWN)
    )
    assert sorted(e.arm for e in withdrawn) == [Arm.CONTROL, Arm.INTERVENTION]
    for enrollment in withdrawn:
        assert enrollment.withdrawal_reason
        assert enrollment.withdrawn_at is not None
        left = dt.datetime.combine(enrollment.withdrawn_at, dt.time(23, 59), tzinfo=dt.UTC)
        assert not Response.objects.filter(
            assessment__enrollment=enrollment, submitted_at__gt=left
        ).exists()
        assert not Attendance.objects.filter(
            enrollment=enrollment, scheduled_session__starts_at__gt=left
        ).exists()
        later = ScheduledSession.objects.filter(enrollment=enrollment, starts_at__gt=left)
        assert all(s.status == SessionStatus.CANCELLED for s in later)
        if enrollment.arm == Arm.INTERVENTION:
            assert later.exists()


def test_held_sessions_have_fidelity_ratings_by_the_facilitator_and_a_few_by_an_observer(study):
    ratings = list(
        FidelityRating.objects.filter(
            scheduled_session__enrollment__allocation__study=study
        ).select_related("scheduled_session__program_session", "rater", "facilitator")
    )
    by_role = Counter(r.role for r in ratings)
    assert by_role[RaterRole.FACILITATOR] > 40
    assert 0 < by_role[RaterRole.OBSERVER] < by_role[RaterRole.FACILITATOR] / 4
    attended = set(
        Attendance.objects.filter(
            enrollment__allocation__study=study, status=AttendanceStatus.ATTENDED
        ).values_list("scheduled_session_id", flat=True)
    )
    for rating in ratings:
        session = rating.scheduled_session
        assert session.pk in attended
        assert rating.facilitator.email == "facilitator2@demo.test"
        expected = (
            "facilitator2@demo.test"
            if rating.role == RaterRole.FACILITATOR
            else ("coordinator@demo.test")
        )
        assert rating.rater.email == expected
        assert rating.items_total == len(session.program_session.fidelity_items)
        assert rating.items_done == sum(1 for item in rating.items if item["done"])
        assert session.starts_at < rating.created_at < NOW
    assert any(r.items_done < r.items_total for r in ratings)
    assert any(r.items_done == r.items_total for r in ratings)


def _consort_from_rows(study: Study) -> dict[tuple[str, str], int]:
    """The CONSORT counts straight from the rows, by (stage, arm code or "")."""
    screenings = Screening.objects.filter(study=study)
    randomized = set(Allocation.objects.filter(study=study).values_list("enrollment_id", flat=True))
    not_allocated = screenings.exclude(enrollment_id__in=randomized)
    counts = {
        ("assessed", ""): screenings.count(),
        ("excluded", ""): not_allocated.count(),
        ("randomized", ""): len(randomized),
    }
    attended = set(
        Attendance.objects.filter(
            enrollment_id__in=randomized,
            status__in=[AttendanceStatus.ATTENDED, AttendanceStatus.MADE_UP],
        ).values_list("enrollment_id", flat=True)
    )
    for arm in study.arms.all():
        people = list(
            Enrollment.objects.filter(allocation__arm=arm).prefetch_related(
                "assessments__responses"
            )
        )
        counts[("allocated", arm.code)] = len(people)
        counts[("received_allocated", arm.code)] = (
            len(people)
            if arm.enrollment_arm == Arm.CONTROL
            else len({e.pk for e in people} & attended)
        )
        counts[("discontinued", arm.code)] = sum(
            1 for e in people if e.status == EnrollmentStatus.WITHDRAWN
        )
        lost = analysed = 0
        for enrollment in people:
            submitted = {
                a.measurement_point_id: {r.instrument for r in a.responses.all() if r.submitted_at}
                for a in enrollment.assessments.all()
            }
            later = sorted(
                (a.closes_at, a.measurement_point_id)
                for a in enrollment.assessments.all()
                if a.measurement_point.code != "baseline" and a.closes_at <= NOW
            )
            if enrollment.status != EnrollmentStatus.WITHDRAWN and later:
                lost += not submitted.get(later[-1][1])
            baseline = next(
                submitted[a.measurement_point_id]
                for a in enrollment.assessments.all()
                if a.measurement_point.code == "baseline"
            )
            analysed += any(
                baseline & codes
                for point, codes in submitted.items()
                if point
                != next(
                    a.measurement_point_id
                    for a in enrollment.assessments.all()
                    if a.measurement_point.code == "baseline"
                )
            )
        counts[("lost_to_follow_up", arm.code)] = lost
        counts[("analysed", arm.code)] = analysed
    return counts


def test_consort_counts_equal_the_rows(study):
    with time_machine.travel(NOW, tick=False):
        flow = consort_flow(study=study, now=NOW)
    totals = {
        (row.stage, row.arm.code if row.arm else ""): row.count
        for row in flow.rows
        if not row.reason
    }
    expected = _consort_from_rows(study)
    assert {key: totals.get(key) for key in expected} == expected
    # The excluded, by why, from the screening rows.
    reasons = {row.reason: row.count for row in flow.rows if row.stage == "excluded" and row.reason}
    screenings = Screening.objects.filter(study=study, enrollment__allocation__isnull=True)
    assert (
        sum(n for why, n in reasons.items() if why.startswith("Not meeting") and ":" not in why)
        == screenings.filter(eligible=False).count()
    )
    assert (
        reasons["Declined to take part"]
        == screenings.filter(eligible=True, consented=False).count()
    )
    # Something to show: people lost and discontinued in both arms, most analysed.
    for arm in ("intervention", "waitlist"):
        assert expected[("discontinued", arm)] == 1
        assert expected[("lost_to_follow_up", arm)] > 0
        assert expected[("analysed", arm)] > expected[("allocated", arm)] / 2


def test_two_trial_people_sign_in_one_in_each_arm(study, client):
    control = Enrollment.objects.get(user__email="trial01@demo.test")
    intervention = Enrollment.objects.get(user__email="trial02@demo.test")
    assert control.arm == Arm.CONTROL
    assert control.status == EnrollmentStatus.ACTIVE
    assert intervention.arm == Arm.INTERVENTION
    assert intervention.status == EnrollmentStatus.ACTIVE
    assert control.cohort == intervention.cohort
    assert control.screening.email == "trial01@demo.test"
    for email in ("trial01@demo.test", "trial02@demo.test"):
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.logout()
    others = User.objects.filter(email__startswith="trial").exclude(
        email__in=["trial01@demo.test", "trial02@demo.test"]
    )
    assert others.count() >= 40
    assert not any(user.has_usable_password() for user in others)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Study,
            Screening,
            Allocation,
            AllocationSlot,
            Enrollment,
            ScheduledSession,
            Attendance,
            Assessment,
            Response,
            FidelityRating,
            User,
        )
    }


def test_seeding_again_adds_nothing_to_the_trial(settings):
    settings.DEBUG = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
    before = _counts()
    assert before["Allocation"] >= 40
    with time_machine.travel(NOW + dt.timedelta(days=9), tick=False):
        call_command("seed_demo")
    assert _counts() == before
