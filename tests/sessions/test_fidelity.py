"""Fidelity: checklists of core elements per program session, ratings of held sessions by their
facilitator and an observer, adherence per session, facilitator and cohort, and the two pages."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse

from accounts.models import Organization, User
from programs.models import Cohort, PersonCode
from sessions.models import FidelityRating, RaterRole, ScheduledSession, SessionStatus
from sessions.services.fidelity import (
    FidelityError,
    facilitator_code,
    fidelity_adherence,
    fidelity_rate,
)
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import (
    CohortFactory,
    ProgramFactory,
    UserFactory,
    facilitator,
    shipped_program,
)
from tests.sessions.staff_cast import BEFORE, NOW, START

pytestmark = pytest.mark.django_db

CONTENT = Path(__file__).resolve().parents[2] / "programs" / "content"
CHECKLIST = [
    {"code": "review", "text": "Reviewed the week's home practice"},
    {"code": "body_scan", "text": "Led the body scan"},
    {"code": "breathing_space", "text": "Taught the breathing space"},
    {"code": "home_practice", "text": "Set the week's home practice"},
]


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def mbsr_cohort(organization: Organization, facilitators: list[User], **kwargs: object) -> Cohort:
    """The real MBSR curriculum, meeting Tuesdays from 1 September: sessions 1-3 held at NOW."""
    cohort = CohortFactory(
        organization=organization,
        program=shipped_program("mbsr-8-ms"),
        facilitators=facilitators,
        start_date=START,
        **kwargs,
    )
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def group_sessions(cohort: Cohort) -> list[ScheduledSession]:
    return list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment=None)
        .select_related("program_session", "cohort__organization")
        .order_by("starts_at")
    )


def codes(session: ScheduledSession) -> list[str]:
    return [item["code"] for item in session.program_session.fidelity_items]


@pytest.fixture
def cohort(organization, facilitator_user):
    return mbsr_cohort(organization, [facilitator_user], name="Tuesday evenings")


@pytest.fixture
def first(cohort):
    return group_sessions(cohort)[0]


def rate(session, rater, role=RaterRole.FACILITATOR, done=None, **kwargs):
    done = codes(session)[:2] if done is None else done
    return fidelity_rate(
        scheduled_session=session, rater=rater, role=role, done_codes=done, **kwargs
    )


# --- the shipped checklists -------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["mbsr-8-ms", "ier-6"])
def test_every_shipped_session_has_a_checklist_of_three_to_six_elements_with_unique_codes(slug):
    program = shipped_program(slug)
    sessions = list(program.sessions.order_by("number"))
    assert sessions
    for session in sessions:
        items = session.fidelity_items
        assert 3 <= len(items) <= 6, (slug, session.number, items)
        item_codes = [item["code"] for item in items]
        assert len(set(item_codes)) == len(item_codes), (slug, session.number)
        assert all(item["text"].strip() and not item["text"].endswith(":") for item in items)
    # The data migration and the content file agree.
    content = json.loads((CONTENT / f"{slug}.json").read_text(encoding="utf-8"))
    shipped = {s.number: s.fidelity_items for s in sessions}
    assert shipped == {s["number"]: s["fidelity"] for s in content["sessions"]}


def test_the_first_mbsr_session_checklist_names_the_raisin_exercise_and_the_body_scan():
    first_week = shipped_program("mbsr-8-ms").sessions.get(number=1)
    texts = [item["text"] for item in first_week.fidelity_items]
    assert "Led the raisin exercise" in texts
    assert any(text.startswith("Led the body scan") for text in texts)


def test_the_checklist_migration_keeps_a_coordinators_checklist_and_going_back_empties_them():
    migration = import_module("programs.migrations.0010_ship_fidelity_checklists")
    program = shipped_program("ier-6")
    edited = program.sessions.get(number=2)
    migration.unship(django_apps, None)
    assert not any(s.fidelity_items for s in program.sessions.all())
    # A coordinator writes their own checklist; shipping again leaves it as it is.
    edited.fidelity_items = [{"code": "ours", "text": "Our own element"}]
    edited.save()
    migration.ship(django_apps, None)
    edited.refresh_from_db()
    assert edited.fidelity_items == [{"code": "ours", "text": "Our own element"}]
    assert all(s.fidelity_items for s in program.sessions.all())


# --- rating rules -----------------------------------------------------------------------------


def test_a_facilitator_rates_a_held_session_and_adherence_is_done_over_total(
    first, facilitator_user, now
):
    rating = rate(first, facilitator_user, done=codes(first)[:2])
    assert (rating.items_done, rating.items_total) == (2, len(codes(first)))
    assert rating.adherence == Decimal(2) / Decimal(len(codes(first)))
    assert rating.facilitator == facilitator_user
    assert [item["done"] for item in rating.items] == [True, True] + [False] * (
        len(codes(first)) - 2
    )
    assert [item["text"] for item in rating.items] == [
        item["text"] for item in first.program_session.fidelity_items
    ]


def test_a_session_not_held_yet_or_cancelled_cannot_be_rated(cohort, facilitator_user, now):
    sessions = group_sessions(cohort)
    coming = sessions[5]
    with pytest.raises(FidelityError, match="has not started yet"):
        rate(coming, facilitator_user)
    cancelled = sessions[1]
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    with pytest.raises(FidelityError, match="was cancelled"):
        rate(cancelled, facilitator_user)
    assert not FidelityRating.objects.exists()


def test_only_a_facilitator_of_the_cohort_gives_the_facilitators_rating(
    first, organization, coordinator_user, now
):
    colleague = facilitator(organization)  # facilitates elsewhere in the organization
    for person in (coordinator_user, colleague):
        with pytest.raises(FidelityError, match="Only a facilitator of Tuesday evenings"):
            rate(first, person, RaterRole.FACILITATOR)
    assert not FidelityRating.objects.exists()


def test_an_observer_is_staff_of_the_organization_who_did_not_lead_the_session(
    first, organization, facilitator_user, coordinator_user, other_coordinator, participant, now
):
    with pytest.raises(FidelityError, match="your rating is the facilitator's rating"):
        rate(first, facilitator_user, RaterRole.OBSERVER)
    for outsider in (other_coordinator, participant):
        with pytest.raises(FidelityError, match="Only staff of Riverside MS Centre"):
            rate(first, outsider, RaterRole.OBSERVER)
    assert not FidelityRating.objects.exists()

    observed = rate(first, coordinator_user, RaterRole.OBSERVER, done=codes(first))
    # The observer watched the cohort's one facilitator.
    assert (observed.role, observed.rater, observed.facilitator) == (
        RaterRole.OBSERVER,
        coordinator_user,
        facilitator_user,
    )
    assert observed.adherence == 1


def test_a_facilitator_of_another_cohort_may_observe(cohort, organization, facilitator_user, now):
    colleague = facilitator(organization)
    second = group_sessions(cohort)[1]
    rating = rate(second, colleague, RaterRole.OBSERVER)
    assert (rating.rater, rating.facilitator) == (colleague, facilitator_user)


def test_one_rating_per_session_and_role_which_only_its_rater_may_change(
    organization, facilitator_user, coordinator_user, now
):
    co_facilitator = facilitator(organization, user__full_name="Cal Cofacilitator")
    cohort = mbsr_cohort(organization, [facilitator_user, co_facilitator])
    session = group_sessions(cohort)[0]
    first_rating = rate(session, facilitator_user, done=codes(session)[:1], note="Short on time.")
    changed = rate(session, facilitator_user, done=codes(session)[:3])
    assert changed.pk == first_rating.pk
    assert (changed.items_done, changed.note) == (3, "")
    # The change is kept in the history, with who made it.
    history = list(changed.history.order_by("history_date"))
    assert [h.items_done for h in history] == [1, 3]
    assert {h.history_user for h in history} == {facilitator_user}

    with pytest.raises(FidelityError, match="Fay Facilitator has already given the facilitator's"):
        rate(session, co_facilitator, done=[])
    assert FidelityRating.objects.get().items_done == 3

    # An observer of a cohort with two facilitators names whose session it was; the
    # facilitator's own rating says it already.
    observed = rate(session, coordinator_user, RaterRole.OBSERVER)
    assert observed.facilitator == facilitator_user
    assert FidelityRating.objects.count() == 2


def test_a_later_checklist_edit_does_not_change_an_old_rating(first, facilitator_user, now):
    rating = rate(first, facilitator_user, done=codes(first)[:2])
    before = list(rating.items)
    program_session = first.program_session
    program_session.fidelity_items = [{"code": "new", "text": "Something new"}]
    program_session.save()
    rating.refresh_from_db()
    assert rating.items == before
    # Changing the rating later re-rates the elements it was given against.
    first.refresh_from_db()
    changed = rate(first, facilitator_user, done=[before[0]["code"]])
    assert [item["code"] for item in changed.items] == [item["code"] for item in before]
    assert changed.items_done == 1


def test_an_element_not_on_the_checklist_is_refused_and_nothing_changes(
    first, facilitator_user, now
):
    rate(first, facilitator_user, done=codes(first)[:2])
    with pytest.raises(FidelityError, match="made_up is not on the checklist of session 1"):
        rate(first, facilitator_user, done=["made_up"])
    assert FidelityRating.objects.get().items_done == 2


def test_a_session_without_a_checklist_cannot_be_rated(organization, facilitator_user, now):
    cohort = CohortFactory(
        organization=organization,
        program=ProgramFactory(sessions=3),
        facilitators=[facilitator_user],
        start_date=START,
    )
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    with pytest.raises(FidelityError, match="has no checklist of core elements"):
        rate(group_sessions(cohort)[0], facilitator_user, done=[])


def test_a_checklist_edited_by_hand_rates_only_its_well_formed_elements(
    first, facilitator_user, now
):
    program_session = first.program_session
    program_session.fidelity_items = [
        {"code": "a", "text": "Led the body scan"},
        {"code": "a", "text": "The same code again"},
        {"text": "No code"},
        "not an element",
        {"code": "b", "text": "Set the home practice"},
    ]
    program_session.save()
    rating = rate(first, facilitator_user, done=["b"])
    assert [(i["code"], i["done"]) for i in rating.items] == [("a", False), ("b", True)]
    assert (rating.items_done, rating.items_total) == (1, 2)


def test_adherence_pools_core_elements_per_session_facilitator_and_cohort(
    organization, facilitator_user, coordinator_user, now
):
    other_facilitator = facilitator(organization)
    cohort = mbsr_cohort(organization, [facilitator_user])
    other = mbsr_cohort(organization, [other_facilitator])
    one, two = group_sessions(cohort)[:2]
    rate(one, facilitator_user, done=codes(one)[:4])  # 4 of 5
    rate(two, facilitator_user, done=codes(two)[:1])  # 1 of 5
    rate(one, coordinator_user, RaterRole.OBSERVER, done=codes(one)[:3])  # 3 of 5
    elsewhere = group_sessions(other)[0]
    rate(elsewhere, other_facilitator, done=codes(elsewhere))  # 5 of 5
    summary = fidelity_adherence(cohort_ids=[cohort.pk, other.pk])

    own = RaterRole.FACILITATOR
    assert summary.by_session[one.pk][own].rate == Decimal("0.8")
    assert summary.by_session[one.pk][RaterRole.OBSERVER].rate == Decimal("0.6")
    # Pooled: (4 + 1) / (5 + 5), not the mean of the sessions' rates by chance equal here.
    assert (summary.by_cohort[cohort.pk][own].done, summary.by_cohort[cohort.pk][own].total) == (
        5,
        10,
    )
    assert summary.by_cohort[cohort.pk][own].rate == Decimal("0.5")
    assert summary.by_cohort[other.pk][own].rate == 1
    assert summary.by_facilitator[facilitator_user.pk][own].ratings == 2
    assert summary.by_facilitator[facilitator_user.pk][RaterRole.OBSERVER].rate == Decimal("0.6")
    assert summary.by_facilitator[other_facilitator.pk][own].rate == 1
    assert summary.rating_of(two.pk, RaterRole.OBSERVER) is None


def test_facilitator_code_is_stable_per_organization_and_says_nothing_about_the_person(
    organization, other_organization, facilitator_user
):
    code = facilitator_code(organization_id=organization.pk, user_id=facilitator_user.pk)
    assert code == facilitator_code(organization_id=organization.pk, user_id=facilitator_user.pk)
    # Their person code there, drawn at random and kept (not derived from a key that may change).
    assert code == PersonCode.objects.get(organization=organization, user=facilitator_user).code
    assert code.startswith("PS-")
    assert "fay" not in code.lower()
    assert code != facilitator_code(
        organization_id=other_organization.pk, user_id=facilitator_user.pk
    )


# --- the pages --------------------------------------------------------------------------------


def _rate_url(session):
    return reverse("program_sessions:fidelity_rate", args=[session.pk])


def _report_url(cohort=None):
    url = reverse("reports:fidelity")
    return f"{url}?cohort={cohort.pk}" if cohort is not None else url


def test_owner_member_and_outsider_on_both_pages(
    client, cohort, first, organization, facilitator_user, coordinator_user, other_coordinator, now
):
    other_facilitator = facilitator(organization)
    participant = UserFactory()
    for user, status in [
        (facilitator_user, 200),
        (coordinator_user, 200),
        (other_facilitator, 404),
        (other_coordinator, 404),
        (participant, 404),
    ]:
        client.force_login(user)
        assert client.get(_rate_url(first)).status_code == status, user
        assert client.get(_report_url(cohort)).status_code == status, user
        posted = client.post(_rate_url(first), {"done": codes(first)})
        assert posted.status_code == (302 if status == 200 else 404), user
    assert FidelityRating.objects.count() == 2  # the facilitator's and the coordinator's


def test_the_facilitator_rates_through_the_form_and_the_session_page_shows_it(
    client, first, facilitator_user, now
):
    client.force_login(facilitator_user)
    session_page = reverse("program_sessions:session_detail", args=[first.pk])
    page = client.get(session_page).text
    assert "Rate how the session went against its checklist" in page
    assert "Facilitator's rating: not rated yet" in page

    form = client.get(_rate_url(first)).text
    assert "You rate this session as its facilitator" in form
    assert "Led the raisin exercise" in form
    assert "Save rating" in form
    response = client.post(_rate_url(first), {"done": codes(first)[:2], "note": "Ran late."})
    assert response.status_code == 302
    assert response["Location"] == session_page + "#fidelity"
    rating = FidelityRating.objects.get()
    assert (rating.role, rating.items_done, rating.note) == ("facilitator", 2, "Ran late.")

    page = client.get(session_page).text
    assert "Your rating of session 1 is saved: 2 of 5 core elements (40%) delivered." in page
    assert "Facilitator's rating: <strong>rated</strong>, 2 of 5 core elements (40%)" in page
    # Opening the form again shows their rating, to change.
    again = client.get(_rate_url(first)).text
    assert "Your rating so far: 2 of 5 core elements (40%)" in again


def test_a_coordinator_rates_as_an_observer(client, first, coordinator_user, now):
    client.force_login(coordinator_user)
    assert "You rate this session as an observer" in client.get(_rate_url(first)).text
    client.post(_rate_url(first), {"done": codes(first)})
    assert FidelityRating.objects.get().role == RaterRole.OBSERVER


def test_an_observer_of_a_cohort_with_two_facilitators_says_whose_session_it_was(
    client, organization, facilitator_user, coordinator_user, now
):
    co_facilitator = facilitator(organization, user__full_name="Cal Cofacilitator")
    cohort = mbsr_cohort(organization, [facilitator_user, co_facilitator])
    session = group_sessions(cohort)[0]
    client.force_login(coordinator_user)
    assert "Who led the session" in client.get(_rate_url(session)).text
    refused = client.post(_rate_url(session), {"done": codes(session)})
    assert refused.status_code == 400
    assert "Choose who led the session." in refused.text
    assert not FidelityRating.objects.exists()
    client.post(_rate_url(session), {"done": codes(session), "facilitator": co_facilitator.pk})
    assert FidelityRating.objects.get().facilitator == co_facilitator


def test_a_bad_submission_gets_a_message_and_changes_nothing(client, first, facilitator_user, now):
    client.force_login(facilitator_user)
    rate(first, facilitator_user, done=codes(first)[:1])
    response = client.post(_rate_url(first), {"done": ["made_up"], "note": "x" * 2001})
    assert response.status_code == 400
    assert "Tick only elements of this session" in response.text
    assert "Keep it to 2,000 characters or fewer (you have 2,001)" in response.text
    assert FidelityRating.objects.get().items_done == 1


def test_a_session_not_held_yet_has_no_form(client, cohort, facilitator_user, now):
    coming = group_sessions(cohort)[5]
    client.force_login(facilitator_user)
    page = client.get(_rate_url(coming)).text
    assert "has not been held yet" in page
    assert "Save rating" not in page
    detail = client.get(reverse("program_sessions:session_detail", args=[coming.pk])).text
    assert "Rate how the session went against its checklist" not in detail
    response = client.post(_rate_url(coming), {"done": codes(coming)})
    assert response.status_code == 400
    assert not FidelityRating.objects.exists()


def test_someone_elses_rating_is_shown_not_offered_to_change(
    client, organization, facilitator_user, now
):
    co_facilitator = facilitator(organization)
    cohort = mbsr_cohort(organization, [facilitator_user, co_facilitator])
    session = group_sessions(cohort)[0]
    rate(session, facilitator_user, done=codes(session)[:3])
    client.force_login(co_facilitator)
    page = client.get(_rate_url(session)).text
    assert "Fay Facilitator has already given the facilitator" in page
    assert "Save rating" not in page


def test_the_adherence_page_shows_both_ratings_side_by_side_and_per_facilitator(
    client, cohort, facilitator_user, coordinator_user, now
):
    one, two = group_sessions(cohort)[:2]
    rate(one, facilitator_user, done=codes(one)[:4])
    rate(one, coordinator_user, RaterRole.OBSERVER, done=codes(one)[:3])
    rate(two, facilitator_user, done=codes(two))
    client.force_login(coordinator_user)
    page = client.get(_report_url(cohort)).text
    assert "Adherence to the session checklists: Tuesday evenings" in page
    assert "4 of 5 core elements (80%)" in page
    assert "3 of 5 core elements (60%)" in page
    assert "Sessions held</dt><dd>3, 2 rated by the facilitator" in page
    # Per facilitator: their own two ratings pooled (9 of 10), the observer's one.
    assert "9 of 10 core elements (90%) over 2 sessions" in page
    assert "3 of 5 core elements (60%) over 1 session" in page
    overview = client.get(_report_url()).text
    assert f"?cohort={cohort.pk}" in overview
    assert "9 of 10 core elements (90%) over 2 sessions" in overview


def test_the_cohort_overview_links_to_the_adherence_page(client, cohort, facilitator_user, now):
    client.force_login(facilitator_user)
    page = client.get(reverse("reports:cohort_detail", args=[cohort.pk])).text
    assert f'href="{_report_url(cohort)}">Adherence to the session checklists' in page


def test_a_malformed_cohort_filter_is_404(client, coordinator_user, now):
    client.force_login(coordinator_user)
    assert client.get(reverse("reports:fidelity") + "?cohort=abc").status_code == 404


@pytest.mark.parametrize("held", [2, 12])
def test_query_counts_stay_flat_from_2_to_12_sessions(
    client, organization, facilitator_user, coordinator_user, django_assert_max_num_queries, held
):
    program = ProgramFactory(sessions=12)
    program.sessions.update(fidelity_items=CHECKLIST)
    # Weekly, the `held`-th session on 15 September: by NOW that many were held, the rest of
    # the twelve are still to come.
    start = dt.date(2026, 9, 15) - dt.timedelta(weeks=held - 1)
    cohort = CohortFactory(
        organization=organization,
        program=program,
        facilitators=[facilitator_user],
        start_date=start,
    )
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    with time_machine.travel(NOW, tick=False):
        sessions = [s for s in group_sessions(cohort) if s.starts_at < NOW]
        assert len(sessions) == held
        for session in sessions:
            rate(session, facilitator_user, done=["review", "body_scan"])
            rate(session, coordinator_user, RaterRole.OBSERVER, done=["review"])
        client.force_login(coordinator_user)
        with django_assert_max_num_queries(8):
            assert client.get(_report_url(cohort)).status_code == 200
        with django_assert_max_num_queries(6):
            assert client.get(_report_url()).status_code == 200
        with django_assert_max_num_queries(6):
            assert client.get(_rate_url(sessions[-1])).status_code == 200
        # The session page, with its fidelity part, stays flat too.
        detail = reverse("program_sessions:session_detail", args=[sessions[-1].pk])
        with django_assert_max_num_queries(12):
            assert client.get(detail).status_code == 200
