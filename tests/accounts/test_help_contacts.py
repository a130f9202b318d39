"""Participants find their organization's crisis and support contacts, as numbers they can tap.

Before: /help/ looked for organizations through staff memberships only, so a participant (who
has none) saw no crisis line at all, and the PHQ-9 support page's "More ways to get help" led
there; the numbers were plain text on both pages.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.contacts import ContactPart, contact_line_parse
from accounts.selectors import organization_list_for_person
from programs.models import EnrollmentStatus
from tests.factories import CohortFactory, EnrollmentFactory, OrganizationFactory, UserFactory
from tests.questionnaires.test_questionnaire_services import (
    _now,  # noqa: F401 (autouse fixture: the clock stands still inside the window)
    answer_all,
    make_assessment,
)

pytestmark = pytest.mark.django_db

HELP = "/help/"


def _organization(name: str, slug: str, **fields: str):
    return OrganizationFactory(name=name, slug=slug, **fields)


@pytest.fixture
def riverside():
    return _organization(
        "Riverside MS Centre",
        "riverside-help",
        crisis_contacts="Samaritans: 116 123 (24 hours)\nShout: text 85258\n"
        "Ask at reception for the duty nurse",
        support_email="team@riverside.example",
        support_phone="020 7946 0000",
    )


@pytest.fixture
def hillview():
    return _organization(
        "Hillview Neurology",
        "hillview-help",
        crisis_contacts="Hillview crisis line: 0800 555 0199",
        support_email="hello@hillview.example",
        support_phone="0161 496 0000",
    )


def _enrol(user, organization, **fields):
    return EnrollmentFactory(cohort=CohortFactory(organization=organization), user=user, **fields)


# --- reading the numbers out of a typed line -------------------------------------------------


def test_only_the_number_of_a_contact_line_becomes_a_link_and_the_words_stay_as_typed():
    line = contact_line_parse("Samaritans: 116 123 (24 hours)")
    assert line.parts == (
        ContactPart("Samaritans: "),
        ContactPart("116 123", "tel:116123"),
        ContactPart(" (24 hours)"),
    )
    assert line.text == "Samaritans: 116 123 (24 hours)"


@pytest.mark.parametrize(
    ("typed", "numbers"),
    [
        ("Emergency services: 999 or 112", [("999", "tel:999"), ("112", "tel:112")]),
        ("Shout: text 85258", [("85258", "sms:85258")]),
        ("Text SHOUT to 85258", [("85258", "sms:85258")]),
        ("Nurse line: +44 (0)20 7946 0000", [("+44 (0)20 7946 0000", "tel:+442079460000")]),
        ("Out of hours: (020) 7946-0001", [("(020) 7946-0001", "tel:02079460001")]),
        (
            "Demo MS nurse line: 0100 000 0001 (weekdays 9:00 to 17:00)",
            [("0100 000 0001", "tel:01000000001")],
        ),
        ("Samaritans (UK and Ireland): 116 123, any time", [("116 123", "tel:116123")]),
        ("NHS 111, option 2", [("111", "tel:111")]),
        ("Open 24/7 from 9:00", []),
        ("Ask at reception for the duty nurse", []),
    ],
)
def test_numbers_are_found_in_lines_written_the_way_people_write_them(typed, numbers):
    line = contact_line_parse(typed)
    assert line.text == typed
    assert [(part.text, part.href) for part in line.parts if part.href] == numbers


# --- who belongs where ------------------------------------------------------------------------


def test_a_participants_organizations_come_from_their_enrollments_not_withdrawn(
    participant, riverside, hillview
):
    _enrol(participant, riverside)
    _enrol(participant, hillview, status=EnrollmentStatus.WITHDRAWN, withdrawn_at="2026-09-01")
    assert list(organization_list_for_person(user=participant)) == [riverside]


# --- the help page ----------------------------------------------------------------------------


def test_a_participant_without_a_staff_role_sees_their_organizations_contacts_as_links(
    client, participant, riverside
):
    _enrol(participant, riverside)
    client.force_login(participant)
    page = client.get(HELP).text
    assert "<h3>Contacts from Riverside MS Centre</h3>" in page
    assert '<li>Samaritans: <a href="tel:116123">116 123</a> (24 hours)' in page
    assert '<li>Shout: text <a href="sms:85258">85258</a>' in page
    # A line without a number stays words only.
    assert "<li>Ask at reception for the duty nurse" in page
    assert '<a href="mailto:team@riverside.example">team@riverside.example</a>' in page
    assert '<a href="tel:02079460000">020 7946 0000</a>' in page


def test_a_participant_of_one_organization_sees_nothing_of_another(
    client, participant, riverside, hillview
):
    _enrol(participant, riverside)
    _enrol(UserFactory(), hillview)
    client.force_login(participant)
    page = client.get(HELP).text
    assert "116 123" in page
    for other in ("Hillview", "0800 555 0199", "hello@hillview.example", "0161 496 0000"):
        assert other not in page


def test_someone_in_two_organizations_sees_both(client, participant, riverside, hillview):
    _enrol(participant, riverside)
    _enrol(participant, hillview)
    client.force_login(participant)
    page = client.get(HELP).text
    assert '<a href="tel:116123">116 123</a>' in page
    assert '<a href="tel:08005550199">0800 555 0199</a>' in page


def test_a_withdrawn_course_no_longer_brings_its_contacts(client, participant, riverside):
    _enrol(participant, riverside, status=EnrollmentStatus.WITHDRAWN, withdrawn_at="2026-09-01")
    client.force_login(participant)
    assert "116 123" not in client.get(HELP).text


@pytest.mark.parametrize("status", [EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE])
def test_an_organization_that_only_typed_their_address_does_not_become_their_support(
    client, participant, riverside, hillview, status
):
    # Hillview added the address (and may even have marked them active); until the person
    # accepts, signed in, its numbers are not offered to them as their own crisis contacts.
    _enrol(participant, riverside)
    _enrol(participant, hillview, status=status, accepted_at=None)
    client.force_login(participant)
    page = client.get(HELP).text
    assert "116 123" in page
    assert "0800 555 0199" not in page
    assert list(organization_list_for_person(user=participant)) == [riverside]


def test_anonymous_visitors_get_the_general_help_and_no_organizations_numbers(client, riverside):
    _enrol(UserFactory(), riverside)
    page = client.get(HELP)
    assert page.status_code == 200
    assert "call your local emergency number" in page.text
    assert "116 123" not in page.text
    assert "tel:" not in page.text


def test_contact_text_is_printed_as_text_never_as_markup(client, participant):
    hostile = _organization(
        "Hostile <b>Org</b>",
        "hostile-help",
        crisis_contacts='<a href="https://evil.example">Call</a> 0800 555 0100',
        support_phone='<img src=x onerror="alert(1)"> 999',
    )
    _enrol(participant, hostile)
    client.force_login(participant)
    page = client.get(HELP).text
    assert "<b>Org</b>" not in page
    assert 'href="https://evil.example"' not in page
    assert "<img" not in page
    assert (
        "&lt;a href=&quot;https://evil.example&quot;&gt;Call&lt;/a&gt; "
        '<a href="tel:08005550100">0800 555 0100</a>'
    ) in page


def test_the_help_page_makes_the_same_queries_for_one_organization_or_many(
    client, participant, django_assert_max_num_queries
):
    def load() -> int:
        with django_assert_max_num_queries(8) as captured:
            assert client.get(HELP).status_code == 200
        return len(captured)

    _enrol(participant, _organization("First", "first-help"))
    client.force_login(participant)
    one = load()
    for n in range(3):
        _enrol(participant, _organization(f"Other {n}", f"other-{n}-help"))
    assert load() == one


# --- the support page after PHQ-9 item 9 ------------------------------------------------------


def _support_page(client, assessment):
    answer_all(assessment, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    client.force_login(assessment.enrollment.user)
    check = reverse("questionnaires:questionnaire_check", args=[assessment.pk, "phq9"])
    support = reverse("questionnaires:questionnaire_support", args=[assessment.pk, "phq9"])
    assert client.post(check).url == support
    return client.get(support).text


def test_the_support_page_gives_the_organizations_crisis_and_team_numbers_as_links(
    client, riverside, hillview
):
    _enrol(UserFactory(), hillview)
    assessment = make_assessment(instruments=("phq9",), organization=riverside)
    page = _support_page(client, assessment)
    assert '<li>Samaritans: <a href="tel:116123">116 123</a> (24 hours)' in page
    assert '<a href="tel:02079460000">020 7946 0000</a>' in page
    assert '<a href="mailto:team@riverside.example">' in page
    assert f'<a href="{HELP}">More ways to get help</a>' in page
    for other in ("Hillview", "0800 555 0199", "hello@hillview.example"):
        assert other not in page


def test_the_support_page_also_lists_the_other_organizations_the_person_takes_part_in(
    client, riverside, hillview
):
    assessment = make_assessment(instruments=("phq9",), organization=riverside)
    _enrol(assessment.enrollment.user, hillview)
    page = _support_page(client, assessment)
    assert page.index("Contacts from Riverside MS Centre") < page.index(
        "Contacts from Hillview Neurology"
    )
    assert '<a href="tel:08005550199">0800 555 0199</a>' in page


def test_more_ways_to_get_help_leads_a_participant_to_their_contacts(client, riverside):
    # The original steps: the support page's link, followed by a participant with no staff role.
    assessment = make_assessment(instruments=("phq9",), organization=riverside)
    _support_page(client, assessment)
    page = client.get(HELP).text
    assert '<a href="tel:116123">116 123</a>' in page
