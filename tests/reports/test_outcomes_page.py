"""The outcome summary page: a real table per questionnaire, a chart with its table, who sees it."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    coordinator,
    facilitator,
    shipped_program,
)
from tests.questionnaires.test_questionnaire_staff import (
    NOW,
    assessment,
    mbsr_cohort,
    phq9,
    respond,
)

pytestmark = pytest.mark.django_db

PAGE = "reports:outcomes"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cohort(organization, facilitator_user):
    cohort = mbsr_cohort(organization, [facilitator_user])
    for n, (before, after) in enumerate([(15, 9), (12, 11), (10, 10)]):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=f"P-{n}")
        respond(assessment(enrollment, "baseline"), "phq9", phq9(before, 0))
        respond(assessment(enrollment, "post"), "phq9", phq9(after, 0))
    return cohort


def _page(client, user, **query):
    client.force_login(user)
    return client.get(reverse(PAGE), query)


def _phq9_table(text: str) -> str:
    start = text.index("<caption", text.index('<h3 id="outcomes-0-phq9-heading"'))
    return text[start : text.index("</table>", start)]


def test_a_table_per_questionnaire_with_caption_headers_and_row_headers(
    client, cohort, coordinator_user
):
    response = _page(client, coordinator_user, cohort=cohort.pk)
    assert response.status_code == 200
    table = _phq9_table(response.text)
    assert "PHQ-9 before and after the course" in table
    assert "(lower is better)" in table
    headers = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert headers == [
        "Score",
        "Participants with both (n)",
        "Baseline mean ± SD",
        "Post mean ± SD",
        "Mean change (95% CI)",
        "t-test p",
        "Wilcoxon p",
        "Effect size dz",
        "Reached the MIC for the better",
    ]
    cells = re.findall(r'<t[dh] (?:scope="row" )?data-label="[^"]+">([^<]*)', table)
    # 15->9, 12->11, 10->10: baseline 12.33 ± 2.52, post 10 ± 1; changes -6, -1, 0: mean -2.33,
    # SD 3.2146, 95% CI -2.33 -/+ 4.3027 x 3.2146 / sqrt(3) = (-10.32, 5.65).
    assert cells[:5] == [
        "Total",
        "3",
        "12.33 ± 2.52",
        "10.00 ± 1.00",
        "\u22122.33 (\u221210.32 to 5.65)",
    ]
    assert "1 of 3 (33%), MIC 5" in table


def test_abbreviations_are_explained(client, cohort, coordinator_user):
    text = _page(client, coordinator_user, cohort=cohort.pk).text
    for term in (
        "Mean ± SD",
        "Mean change (95% CI)",
        "t-test p",
        "Wilcoxon p",
        "Effect size dz",
        "MIC",
    ):
        assert f"<dt>{term}</dt>" in text


def test_paired_lines_chart_with_its_text_alternative_and_table(client, cohort, coordinator_user):
    text = _page(client, coordinator_user, cohort=cohort.pk).text
    assert 'role="img"' in text
    assert "<title" in text
    assert "PHQ-9 total: baseline and post" in text
    assert "<desc" in text
    assert "thick dashed line for the mean of all 3" in text
    assert "Mean of 3" in text  # the chart's table has the mean row


def test_without_a_cohort_the_programs_cohorts_are_also_pooled(client, cohort, coordinator_user):
    text = _page(client, coordinator_user).text
    assert "MBSR-8 for MS: All cohorts, intervention arm" in text
    assert f"MBSR-8 for MS: {cohort.name}, intervention arm" in text


def test_a_bad_filter_shows_an_error_summary(client, cohort, coordinator_user, organization):
    CohortFactory(organization=organization, program=shipped_program("ier-6"))
    response = _page(client, coordinator_user, program="nothing-like-it")
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Choose a program from the list." in response.text


def test_facilitator_of_the_cohort_sees_it_and_another_gets_404(
    client, cohort, facilitator_user, organization
):
    assert _page(client, facilitator_user, cohort=cohort.pk).status_code == 200
    other = facilitator(organization, user__email="finn@example.org")
    assert _page(client, other, cohort=cohort.pk).status_code == 404
    # Without a filter the other facilitator sees nothing of this cohort.
    assert cohort.name not in _page(client, other).text


def test_coordinator_of_another_organization_gets_404(client, cohort, other_organization):
    other = coordinator(other_organization, user__email="olga@example.org")
    assert _page(client, other, cohort=cohort.pk).status_code == 404


def test_participant_gets_404(client, cohort, participant):
    EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-OWN")
    assert _page(client, participant).status_code == 404
    assert _page(client, participant, cohort=cohort.pk).status_code == 404


def test_page_links_to_the_outcome_export(client, cohort, coordinator_user):
    text = _page(client, coordinator_user, cohort=cohort.pk).text
    export = reverse("reports:export_download", args=["outcomes"])
    assert f'href="{export}?format=csv&amp;cohort={cohort.pk}"' in text


def test_questionnaires_nobody_answered_twice_are_one_line_not_empty_tables(
    client, cohort, coordinator_user
):
    text = _page(client, coordinator_user, cohort=cohort.pk).text
    assert "outcomes-0-phq9-heading" in text
    assert "outcomes-0-gad7-heading" not in text
    assert (
        "Not shown: no participant has both a baseline and a post score yet on PSS-10, GAD-7, "
        "MFIS, UCLA-3, WHO-5, MAIA-2 or FFMQ-15."
    ) in text
