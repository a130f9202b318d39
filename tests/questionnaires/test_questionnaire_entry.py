"""Staff entering a participant's answers (phone, in person) and correcting sent answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.consent import consent_record_accept
from programs.models import Enrollment, EnrollmentStatus
from sessions.questionnaires.models import Assessment, Response, ResponseMode, SafetyEvent
from sessions.questionnaires.services.corrections import (
    response_correct,
    response_enter_for_participant,
)
from sessions.questionnaires.services.responses import ResponseError
from tests.factories import EnrollmentFactory, UserFactory, coordinator, facilitator
from tests.questionnaires.test_questionnaire_staff import (
    POST_CLOSES,
    POST_OPENS,
    assessment,
    mbsr_cohort,
    now,
    phq9,
    respond,
)

pytestmark = pytest.mark.django_db

__all__ = ["now"]  # the time fixture: post questionnaires open, baseline closed

# Session, user, the assessment with its participant, its responses, the messages: fixed.
QUERIES = 5
WHO5 = {1: 3, 2: 3, 3: 4, 4: 2, 5: 3}


@pytest.fixture
def cast(organization, other_organization, facilitator_user, coordinator_user, participant, now):
    cohort = mbsr_cohort(organization, [facilitator_user])
    other_facilitator = facilitator(organization, user__email="finn@example.org")
    mbsr_cohort(organization, [other_facilitator])
    enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-7K3Q9")
    post = assessment(enrollment, "post")
    sent = respond(post, "who5", WHO5)
    return {
        "cohort": cohort,
        "enrollment": enrollment,
        "post": post,
        "sent": sent,
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
        "other_facilitator": other_facilitator,
        "other_coordinator": coordinator(other_organization, user__email="olga@example.org"),
        "participant": participant,
        "other_participant": UserFactory(email="someone@example.org"),
    }


def _urls(cast) -> dict[str, str]:
    pk = cast["post"].pk
    return {
        "overview": reverse("questionnaires:questionnaire_entry", args=[pk]),
        "entry": reverse("questionnaires:questionnaire_entry_instrument", args=[pk, "phq9"]),
        "correct": reverse("questionnaires:response_correct", args=[pk, "who5"]),
    }


def _phq9_post(answers: dict[int, int | None], **extra: str) -> dict[str, str]:
    data = {f"q{k}": str(v) for k, v in answers.items() if v is not None}
    return {"mode": "phone", "action": "send", **data, **extra}


def _checked(html: str, name: str) -> str:
    """The one checked radio of a question, as rendered."""
    (tag,) = [t for t in html.split("<input")[1:] if f'name="{name}"' in t and "checked" in t]
    return tag.split(">", 1)[0]


PAGES = ["overview", "entry", "correct"]
OUTSIDERS = ["other_facilitator", "other_coordinator", "participant", "other_participant"]


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
@pytest.mark.parametrize("page", PAGES)
def test_cohort_staff_open_every_entry_page(client, cast, who, page):
    client.force_login(cast[who])
    response = client.get(_urls(cast)[page])
    assert response.status_code == 200
    assert "P-7K3Q9" in response.text


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("page", PAGES)
def test_anyone_else_gets_404_on_entry_pages(client, cast, who, page):
    client.force_login(cast[who])
    assert client.get(_urls(cast)[page]).status_code == 404


@pytest.mark.parametrize("who", OUTSIDERS)
def test_anyone_else_cannot_enter_or_correct_answers(client, cast, who):
    client.force_login(cast[who])
    urls = _urls(cast)
    assert client.post(urls["entry"], _phq9_post(phq9(6, 0))).status_code == 404
    correction = {f"q{k}": "1" for k in WHO5} | {"reason": "Misheard"}
    assert client.post(urls["correct"], correction).status_code == 404
    assert not Response.objects.filter(instrument="phq9").exists()
    assert Response.objects.filter(instrument="who5").count() == 1


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_from_entry_pages(client, cast, page):
    response = client.get(_urls(cast)[page])
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_status_page_links_open_assessments_to_phone_entry(client, cast):
    client.force_login(cast["facilitator"])
    page = client.get(reverse("questionnaires:questionnaire_status", args=[cast["cohort"].pk]))
    assert _urls(cast)["overview"] in page.text
    assert "Enter answers by phone" in page.text


# --- phone administration -------------------------------------------------------------------


def test_phone_entry_stores_mode_and_who_entered_and_sends(client, cast):
    client.force_login(cast["facilitator"])
    data = _phq9_post(phq9(6, 0), mode="in_person")
    page = client.post(_urls(cast)["entry"], data, follow=True)
    assert "PHQ-9 answers are saved and sent" in page.text
    response = Response.objects.get(assessment=cast["post"], instrument="phq9")
    assert response.mode == ResponseMode.IN_PERSON
    assert response.entered_by == cast["facilitator"]
    assert response.is_submitted
    assert response.answer_map()[1] == 3
    assert not SafetyEvent.objects.exists()


def test_staff_entry_takes_over_a_response_the_participant_began(client, cast):
    respond(cast["post"], "phq9", {1: 1}, submitted=False)
    client.force_login(cast["coordinator"])
    client.post(_urls(cast)["entry"], _phq9_post(phq9(6, 0)))
    response = Response.objects.get(assessment=cast["post"], instrument="phq9")
    assert (response.mode, response.entered_by) == (ResponseMode.PHONE, cast["coordinator"])
    assert response.is_submitted


def test_positive_item_9_entered_by_staff_raises_a_safety_event_and_says_so(client, cast):
    client.force_login(cast["facilitator"])
    page = client.post(_urls(cast)["entry"], _phq9_post(phq9(6, 2)), follow=True)
    event = SafetyEvent.objects.get()
    assert event.enrollment == cast["enrollment"]
    assert event.flag_value is True
    assert "A safety flag was raised" in page.text
    assert reverse("questionnaires:safety_event_detail", args=[event.pk]) in page.text


def test_missing_answers_are_refused_and_those_given_are_saved_not_sent(client, cast):
    client.force_login(cast["facilitator"])
    answers = phq9(6, 0)
    del answers[4]
    page = client.post(_urls(cast)["entry"], _phq9_post(answers))
    assert page.status_code == 200
    assert "Error:" in page.text
    assert "Question 4: Choose one answer to carry on." in page.text
    response = Response.objects.get(assessment=cast["post"], instrument="phq9")
    assert not response.is_submitted
    assert response.answer_map()[1] == 3
    assert "4" not in response.answers


def test_without_a_mode_nothing_is_saved_and_the_choices_stay_on_screen(client, cast):
    client.force_login(cast["facilitator"])
    data = _phq9_post(phq9(6, 0))
    del data["mode"]
    page = client.post(_urls(cast)["entry"], data)
    assert "Choose how the answers were given" in page.text
    assert 'value="3"' in _checked(page.text, "q1")
    assert not Response.objects.filter(instrument="phq9").exists()


def test_staff_cannot_enter_answers_once_the_window_has_closed(client, cast):
    baseline = assessment(cast["enrollment"], "baseline")
    client.force_login(cast["facilitator"])
    url = reverse("questionnaires:questionnaire_entry_instrument", args=[baseline.pk, "phq9"])
    response = client.post(url, _phq9_post(phq9(6, 0)))
    assert response.status_code == 302
    assert not Response.objects.filter(assessment=baseline).exists()


def test_entry_page_query_count_does_not_grow_with_the_cohort(
    client, cast, django_assert_max_num_queries
):
    client.force_login(cast["facilitator"])
    url = _urls(cast)["entry"]
    for _ in range(5):
        assessment(EnrollmentFactory(cohort=cast["cohort"]), "post")
    with django_assert_max_num_queries(QUERIES):
        assert client.get(url).status_code == 200
    for _ in range(55):
        assessment(EnrollmentFactory(cohort=cast["cohort"]), "post")
    with django_assert_max_num_queries(QUERIES):
        assert client.get(url).status_code == 200


# --- corrections ----------------------------------------------------------------------------


def test_correction_makes_version_2_with_the_reason_and_keeps_version_1(client, cast):
    client.force_login(cast["facilitator"])
    data = {f"q{k}": str(v) for k, v in WHO5.items()} | {"q1": "5", "reason": "Misheard item 1"}
    page = client.post(_urls(cast)["correct"], data, follow=True)
    assert "corrected (version 2)" in page.text
    v1, v2 = Response.objects.filter(instrument="who5").order_by("version")
    assert v1.answer_map() == WHO5
    assert v1.correction_reason == ""
    assert (v2.version, v2.supersedes, v2.correction_reason) == (2, v1, "Misheard item 1")
    assert v2.answer_map()[1] == 5
    assert v2.entered_by == cast["facilitator"]
    assert v2.is_submitted
    assert v2.instrument_version == v1.instrument_version
    assert "Misheard item 1" in page.text  # the history list


def test_correction_without_a_reason_is_refused_and_the_changes_stay_typed(client, cast):
    client.force_login(cast["facilitator"])
    data = {f"q{k}": str(v) for k, v in WHO5.items()} | {"q1": "5", "reason": "  "}
    page = client.post(_urls(cast)["correct"], data)
    assert page.status_code == 200
    assert "Write why the answers are being corrected." in page.text
    assert Response.objects.filter(instrument="who5").count() == 1
    assert 'value="5"' in _checked(page.text, "q1")


def test_correcting_item_9_to_positive_raises_a_safety_event(cast):
    first = respond(cast["post"], "phq9", phq9(6, 0))
    corrected = response_correct(
        response=first, answers=phq9(6, 1), reason="Answer was 1", by=cast["facilitator"]
    )
    assert SafetyEvent.objects.get().response == corrected


def test_a_correction_is_refused_for_unsent_superseded_or_reasonless_responses(cast):
    staff = cast["facilitator"]
    draft = respond(cast["post"], "phq9", {1: 1}, submitted=False)
    with pytest.raises(ResponseError, match="not sent yet"):
        response_correct(response=draft, answers=phq9(6, 0), reason="Typo", by=staff)
    with pytest.raises(ResponseError, match="Write why"):
        response_correct(response=cast["sent"], answers=WHO5, reason=" ", by=staff)
    response_correct(response=cast["sent"], answers=WHO5 | {1: 5}, reason="Typo", by=staff)
    with pytest.raises(ResponseError, match="already corrected"):
        response_correct(response=cast["sent"], answers=WHO5, reason="Again", by=staff)
    assert Response.objects.filter(instrument="who5").count() == 2


# --- only for people who agreed: accepted the invitation and the consent (issue 12) ----------


def _post_of(enrollment) -> Assessment:
    """The post questionnaires of an enrollment, open now (made when it was enrolled, if it was)."""
    found = enrollment.assessments.filter(measurement_point__kind="post").first()
    if found is None:
        return assessment(enrollment, "post")
    Assessment.objects.filter(pk=found.pk).update(opens_at=POST_OPENS, closes_at=POST_CLOSES)
    return found


def _refused_everywhere(client, cast, enrollment, post, *, reason: str) -> None:
    """No link on the status page, an explanation on the overview and in place of the form,
    and nothing saved from a POST."""
    status = client.get(reverse("questionnaires:questionnaire_status", args=[cast["cohort"].pk]))
    overview = reverse("questionnaires:questionnaire_entry", args=[post.pk])
    assert overview not in status.text
    assert reason in status.text
    assert _urls(cast)["overview"] in status.text  # the participant who agreed keeps theirs

    page = client.get(overview)
    assert page.status_code == 200
    assert f"Answers cannot be entered for {enrollment.participant_code} yet" in page.text
    entry = reverse("questionnaires:questionnaire_entry_instrument", args=[post.pk, "phq9"])
    assert entry not in page.text

    form = client.get(entry)
    assert form.status_code == 409
    assert f"Answers cannot be entered for {enrollment.participant_code} yet" in form.text
    assert 'name="q1"' not in form.text
    posted = client.post(entry, _phq9_post(phq9(6, 1)))
    assert posted.status_code == 409
    assert "Nothing was entered or saved." in posted.text
    assert not Response.objects.filter(assessment=post).exists()
    assert not SafetyEvent.objects.filter(enrollment=enrollment).exists()


def test_staff_cannot_enter_answers_for_someone_who_has_not_accepted_the_invitation(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    # The original steps: a coordinator adds someone, who has not accepted the invitation yet;
    # "Enter answers by phone" was offered for them all the same.
    client.force_login(cast["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            reverse("programs:enrollment_create", args=[cast["cohort"].pk]),
            {
                "full_name": "Nell Newcomer",
                "email": "nell@example.org",
                "timezone": "Europe/London",
                "arm": "intervention",
            },
        )
    assert added.status_code == 302
    enrollment = Enrollment.objects.get(user__email="nell@example.org")
    assert enrollment.accepted_at is None
    post = _post_of(enrollment)
    client.force_login(cast["facilitator"])
    _refused_everywhere(client, cast, enrollment, post, reason="the invitation is not accepted yet")
    assert (
        "has not accepted the invitation"
        in client.get(reverse("questionnaires:questionnaire_entry", args=[post.pk])).text
    )


def test_staff_cannot_enter_answers_for_someone_switched_to_active_before_accepting(client, cast):
    enrollment = EnrollmentFactory(cohort=cast["cohort"], participant_code="P-ACTV1")
    Enrollment.objects.filter(pk=enrollment.pk).update(accepted_at=None)
    enrollment.refresh_from_db()
    post = _post_of(enrollment)
    client.force_login(cast["coordinator"])
    _refused_everywhere(client, cast, enrollment, post, reason="the invitation is not accepted yet")


def test_staff_cannot_enter_answers_for_someone_who_has_not_agreed_to_the_consent(client, cast):
    enrollment = EnrollmentFactory(cohort=cast["cohort"], participant_code="P-NOCON", consent=False)
    assert enrollment.accepted_at is not None
    post = _post_of(enrollment)
    client.force_login(cast["facilitator"])
    _refused_everywhere(client, cast, enrollment, post, reason="the consent is not agreed yet")
    assert (
        "has not agreed to the consent yet"
        in client.get(reverse("questionnaires:questionnaire_entry", args=[post.pk])).text
    )


def test_staff_entry_is_open_again_once_they_agree_to_the_consent(client, cast):
    enrollment = EnrollmentFactory(cohort=cast["cohort"], participant_code="P-LATER", consent=False)
    post = _post_of(enrollment)
    consent_record_accept(user=enrollment.user, keep_research_data=True)
    client.force_login(cast["facilitator"])
    entry = reverse("questionnaires:questionnaire_entry_instrument", args=[post.pk, "phq9"])
    assert client.get(entry).status_code == 200
    client.post(entry, _phq9_post(phq9(6, 0)))
    assert Response.objects.get(assessment=post).is_submitted


def test_the_service_refuses_answers_for_someone_who_has_not_agreed(cast):
    enrollment = EnrollmentFactory(
        cohort=cast["cohort"], participant_code="P-SVC01", status=EnrollmentStatus.INVITED
    )
    post = _post_of(enrollment)
    with pytest.raises(ResponseError, match="has not accepted the invitation"):
        response_enter_for_participant(
            assessment=post,
            instrument="phq9",
            answers=phq9(6, 0),
            by=cast["facilitator"],
            mode="phone",
            send=True,
        )
    assert not Response.objects.filter(assessment=post).exists()
