"""Study pages through their URLs: who may open them (owner / member / outsider), setting up a
study, the checks in words and Randomize, corrections after confirming, and flat query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs.models import Arm
from sessions.trials.models import Allocation, AllocationCorrection, Study
from sessions.trials.services.allocation import randomize
from tests.factories import CohortFactory, EnrollmentFactory, facilitator
from tests.reauthentication import record_reauthentication
from tests.trials.allocation_helpers import make_study, ready_enrollment, study_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(organization, coordinator_user):
    return make_study(organization=organization, by=coordinator_user)


def _urls(study):
    cohort = study.cohorts.get()
    enrollment = ready_enrollment(cohort)
    other = ready_enrollment(cohort)
    allocation = randomize(enrollment=other, by=study.created_by)
    return [
        reverse("trials:study_detail", args=[study.pk]),
        reverse("trials:study_randomize", args=[study.pk, enrollment.pk]),
        reverse("trials:allocation_correct", args=[allocation.pk]),
    ]


def test_the_coordinator_opens_every_study_page(client, study, coordinator_user):
    client.force_login(coordinator_user)
    record_reauthentication(client, coordinator_user)
    for url in [reverse("trials:study_list"), reverse("trials:study_new"), *_urls(study)]:
        assert client.get(url).status_code == 200, url


def test_a_facilitator_of_the_study_cohort_gets_404(client, study, organization):
    member = facilitator(organization)
    study.cohorts.get().facilitators.add(member)
    client.force_login(member)
    for url in [reverse("trials:study_list"), reverse("trials:study_new"), *_urls(study)]:
        assert client.get(url).status_code == 404, url


def test_a_coordinator_of_another_organization_gets_404(client, study, other_coordinator):
    client.force_login(other_coordinator)
    record_reauthentication(client, other_coordinator)
    for url in _urls(study):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert Allocation.objects.count() == 1


def test_a_participant_gets_404(client, study):
    enrollment = ready_enrollment(study.cohorts.get())
    client.force_login(enrollment.user)
    for url in [reverse("trials:study_list"), *_urls(study)]:
        assert client.get(url).status_code == 404, url


def test_a_coordinator_sets_up_a_study_from_the_form(client, organization, coordinator_user):
    program = study_program()
    cohort = CohortFactory(organization=organization, program=program, name="Spring")
    client.force_login(coordinator_user)
    url = reverse("trials:study_new") + f"?program={program.slug}"
    page = client.get(url)
    assert "Sex" in page.content.decode()
    response = client.post(
        url,
        {
            "name": "IER against waitlist",
            "cohorts": [cohort.pk],
            "strata": ["sex"],
            "block_multiples": ["1", "2"],
            "arm1_label": "Course now",
            "arm1_ratio": "1",
            "arm1_role": "now",
            "arm2_label": "Course later",
            "arm2_ratio": "1",
            "arm2_role": "waitlist",
            "arm2_next": "After your last questionnaires we offer you the course.",
        },
    )
    study = Study.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("trials:study_detail", args=[study.pk])
    assert study.block_sizes == [2, 4]
    assert list(study.cohorts.all()) == [cohort]
    assert study.arms.get(is_comparator=True).enrollment_arm == Arm.CONTROL


def test_a_study_whose_arms_do_not_add_up_is_refused_with_a_message(
    client, organization, coordinator_user
):
    program = study_program()
    client.force_login(coordinator_user)
    url = reverse("trials:study_new") + f"?program={program.slug}"
    response = client.post(
        url,
        {
            "name": "Two interventions",
            "block_multiples": ["1"],
            "arm1_label": "A",
            "arm1_ratio": "1",
            "arm1_role": "now",
            "arm2_label": "B",
            "arm2_ratio": "1",
            "arm2_role": "now",
        },
    )
    assert response.status_code == 200
    assert "Exactly one arm is the comparison arm" in response.content.decode()
    assert not Study.objects.exists()


def test_the_study_page_shows_checks_in_words_and_randomize_only_when_ready(
    client, study, coordinator_user
):
    cohort = study.cohorts.get()
    ready = ready_enrollment(cohort)
    not_ready = ready_enrollment(cohort, consented=False, baseline=False)
    client.force_login(coordinator_user)
    page = client.get(reverse("trials:study_detail", args=[study.pk])).content.decode()
    assert "Eligible, Consented, Baseline done" in page
    assert "No consent, Baseline not done" in page
    assert reverse("trials:study_randomize", args=[study.pk, ready.pk]) in page
    assert reverse("trials:study_randomize", args=[study.pk, not_ready.pk]) not in page


def test_randomize_posts_allocate_once_and_a_second_post_says_why_not(
    client, study, coordinator_user
):
    enrollment = ready_enrollment(study.cohorts.get())
    client.force_login(coordinator_user)
    url = reverse("trials:study_randomize", args=[study.pk, enrollment.pk])
    first = client.post(url, follow=True).content.decode()
    allocation = Allocation.objects.get()
    assert f"is allocated to “{allocation.arm.label}”" in first
    second = client.post(url, follow=True).content.decode()
    assert "already been randomized" in second
    assert Allocation.objects.count() == 1


def test_randomizing_someone_without_baseline_shows_the_reason_and_changes_nothing(
    client, study, coordinator_user
):
    enrollment = ready_enrollment(study.cohorts.get(), baseline=False)
    client.force_login(coordinator_user)
    url = reverse("trials:study_randomize", args=[study.pk, enrollment.pk])
    page = client.post(url, follow=True).content.decode()
    assert "not completed their baseline questionnaires" in page
    assert not Allocation.objects.exists()


def test_a_correction_needs_the_password_again_and_a_reason(client, study, coordinator_user):
    allocation = randomize(enrollment=ready_enrollment(study.cohorts.get()), by=coordinator_user)
    other = study.arms.exclude(pk=allocation.arm_id).get()
    url = reverse("trials:allocation_correct", args=[allocation.pk])
    client.force_login(coordinator_user)
    asked = client.get(url)
    assert asked.status_code == 302
    assert "reauthenticate" in asked["Location"]
    record_reauthentication(client, coordinator_user)
    refused = client.post(url, {"arm": other.pk, "reason": ""})
    assert refused.status_code == 200
    assert not AllocationCorrection.objects.exists()
    done = client.post(url, {"arm": other.pk, "reason": "Wrong person randomized"})
    assert done.status_code == 302
    assert AllocationCorrection.objects.get().reason == "Wrong person randomized"


def _grow(study, count):
    cohort = study.cohorts.get()
    for n in range(count):
        enrollment = ready_enrollment(cohort, baseline=n % 2 == 0)
        if n % 3 == 0 and n % 2 == 0:
            randomize(enrollment=enrollment, by=study.created_by)


def test_the_study_pages_query_count_stays_flat(
    client, study, coordinator_user, django_assert_max_num_queries
):
    client.force_login(coordinator_user)
    detail = reverse("trials:study_detail", args=[study.pk])
    listing = reverse("trials:study_list")
    _grow(study, 2)
    make_study(organization=study.organization, by=coordinator_user)
    with django_assert_max_num_queries(20):
        client.get(detail)
    with django_assert_max_num_queries(14):
        client.get(listing)
    _grow(study, 38)
    make_study(organization=study.organization, by=coordinator_user)
    with django_assert_max_num_queries(20):
        client.get(detail)
    with django_assert_max_num_queries(14):
        client.get(listing)


def test_hand_set_groups_are_not_offered_in_a_study_cohort(client, study, coordinator_user):
    cohort = study.cohorts.get()
    enrollment = EnrollmentFactory(cohort=cohort, arm=Arm.PENDING)
    client.force_login(coordinator_user)
    page = client.get(reverse("programs:enrollment_update", args=[enrollment.pk])).content.decode()
    assert "Not yet allocated" not in page
    assert 'name="arm"' not in page
    assert "The group is decided by randomization on the study page." in page
