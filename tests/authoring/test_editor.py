"""The coordinator's program editor through its pages: who reaches them, copying a shipped
program, editing a draft week by week, the history, publishing, and running cohorts unchanged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs.authoring.models import ProgramChange, ProgramLine, ProgramVersion
from programs.authoring.services.versions import (
    draft_get,
    draft_publish,
    line_copy_from_shipped,
)
from programs.models import ProgramStatus
from tests.factories import CohortFactory, EnrollmentFactory, ship_programs, shipped_program


@pytest.fixture
def mbsr(db):
    ship_programs()
    return shipped_program("mbsr-8-ms")


@pytest.fixture
def line(organization, coordinator_user, mbsr) -> ProgramLine:
    return line_copy_from_shipped(
        user=coordinator_user, organization=organization, source=mbsr, name="Our MBSR"
    )


def _week_data(line: ProgramLine, number: int = 1, **changes: object) -> dict[str, object]:
    draft = draft_get(line=line)
    assert draft is not None
    week = draft.program.sessions.get(number=number)
    data: dict[str, object] = {
        "draft": draft.pk,
        "title": week.title,
        "aims": week.aims,
        "material": week.material,
        "home_practice": week.home_practice,
        "reflection_prompt": week.reflection_prompt,
        "practices": list(week.practices),
    }
    data.update(changes)
    return data


def _routes(line: ProgramLine) -> list[str]:
    pk = line.pk
    return [
        reverse("authoring:line_detail", args=[pk]),
        reverse("authoring:line_history", args=[pk]),
        reverse("authoring:draft_settings", args=[pk]),
        reverse("authoring:draft_week", args=[pk, 1]),
        reverse("authoring:draft_plan", args=[pk]),
        reverse("authoring:draft_publish", args=[pk]),
        reverse("authoring:draft_discard", args=[pk]),
    ]


# --- who reaches the pages ----------------------------------------------------------------------


def test_owner_reaches_every_page_of_their_program(client, coordinator_user, line):
    client.force_login(coordinator_user)
    for url in [
        reverse("authoring:program_list"),
        reverse("authoring:shipped_detail", args=["mbsr-8-ms"]),
        reverse("authoring:line_create", args=["mbsr-8-ms"]),
        *_routes(line),
    ]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["member", "outsider", "participant"])
def test_others_get_404_on_every_page_of_the_program(
    client, who, line, facilitator_user, other_coordinator, participant
):
    client.force_login(
        {"member": facilitator_user, "outsider": other_coordinator, "participant": participant}[who]
    )
    for url in _routes(line):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"draft": draft_get(line=line).pk}).status_code == 404, url
    assert draft_get(line=line) is not None
    assert line.changes.count() == 1  # only the copy


@pytest.mark.parametrize("who", ["member", "participant"])
def test_only_coordinators_reach_the_program_list_and_shipped_programs(
    client, who, mbsr, facilitator_user, participant
):
    client.force_login({"member": facilitator_user, "participant": participant}[who])
    for url in [
        reverse("authoring:program_list"),
        reverse("authoring:shipped_detail", args=["mbsr-8-ms"]),
        reverse("authoring:line_create", args=["mbsr-8-ms"]),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("authoring:line_create", args=["mbsr-8-ms"]), {"name": "X"})
    assert response.status_code == 404
    assert not ProgramLine.objects.exists()


def test_an_outsider_does_not_see_another_organizations_programs_in_the_list(
    client, line, other_coordinator
):
    client.force_login(other_coordinator)
    page = client.get(reverse("authoring:program_list")).content.decode()
    assert "Our MBSR" not in page
    assert "MBSR-8 for MS" in page or "MBSR" in page


def test_a_program_made_by_a_draft_is_not_a_shipped_program_page(client, coordinator_user, line):
    client.force_login(coordinator_user)
    draft = draft_get(line=line)
    url = reverse("authoring:shipped_detail", args=[draft.program.slug])
    assert client.get(url).status_code == 404


def test_the_coordinators_navigation_links_to_programs(client, coordinator_user, mbsr):
    client.force_login(coordinator_user)
    page = client.get(reverse("authoring:program_list")).content.decode()
    assert f'<a href="{reverse("authoring:program_list")}" aria-current="page">Programs</a>' in page


# --- copy, edit, history, publish ---------------------------------------------------------------


def test_copying_a_shipped_program_makes_a_draft_and_opens_it(client, coordinator_user, mbsr):
    client.force_login(coordinator_user)
    shipped = client.get(reverse("authoring:shipped_detail", args=["mbsr-8-ms"])).content.decode()
    assert "Stepping off automatic pilot" in shipped
    assert "Copy to your organization" in shipped
    response = client.post(
        reverse("authoring:line_create", args=["mbsr-8-ms"]), {"name": "Riverside MBSR"}
    )
    line = ProgramLine.objects.get()
    assert response["Location"] == reverse("authoring:line_detail", args=[line.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Riverside MBSR" in page
    assert "Start editing" not in page
    assert "Week 1: Stepping off automatic pilot" in page


def test_copying_under_a_name_already_used_keeps_the_name_typed_and_says_why(
    client, coordinator_user, line
):
    client.force_login(coordinator_user)
    response = client.post(
        reverse("authoring:line_create", args=["mbsr-8-ms"]), {"name": "Our MBSR"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "already has a program called" in page
    assert 'value="Our MBSR"' in page
    assert ProgramLine.objects.count() == 1


def test_editing_a_week_records_only_what_changed_with_before_and_after(
    client, coordinator_user, line
):
    client.force_login(coordinator_user)
    url = reverse("authoring:draft_week", args=[line.pk, 3])
    old_title = draft_get(line=line).program.sessions.get(number=3).title
    response = client.post(url, _week_data(line, 3, title="Breathing space, gently"))
    assert response.status_code == 302
    week = draft_get(line=line).program.sessions.get(number=3)
    assert week.title == "Breathing space, gently"
    edits = list(line.changes.filter(action=ProgramChange.Action.EDITED))
    assert [(c.subject, c.before, c.after) for c in edits] == [
        ("Week 3: title", old_title, "Breathing space, gently")
    ]
    history = client.get(reverse("authoring:line_history", args=[line.pk])).content.decode()
    assert "Week 3: title" in history
    assert "Breathing space, gently" in history
    assert "Cora Coordinator" in history or "Cora" in history


def test_material_with_scripts_is_kept_as_typed_and_the_editor_says_what_is_removed(
    client, coordinator_user, line
):
    client.force_login(coordinator_user)
    material = "Breathe.\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1))"
    response = client.post(
        reverse("authoring:draft_week", args=[line.pk, 1]),
        _week_data(line, material=material),
        follow=True,
    )
    page = response.content.decode()
    assert "Removed from what participants see: &lt;script&gt; elements, javascript: links" in page
    assert draft_get(line=line).program.sessions.get(number=1).material == material
    assert "<script>alert(1)</script>" not in page


def test_a_week_with_a_title_too_long_keeps_everything_typed(client, coordinator_user, line):
    client.force_login(coordinator_user)
    data = _week_data(line, title="x" * 200, material="My new words for week one.")
    response = client.post(reverse("authoring:draft_week", args=[line.pk, 1]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Keep it to 160 characters or fewer (you have 200)." in page
    assert "My new words for week one." in page
    assert not line.changes.filter(action=ProgramChange.Action.EDITED).exists()


def test_settings_refuse_a_completion_threshold_beyond_the_sessions(client, coordinator_user, line):
    client.force_login(coordinator_user)
    program = draft_get(line=line).program
    data = {
        "draft": draft_get(line=line).pk,
        "name": "Our MBSR, renamed",
        "summary": program.summary,
        "completion_threshold": "40",
        "default_session_minutes": "150",
    }
    for index, practice in enumerate(program.practices):
        data[f"practice-{index}-name"] = practice["name"]
        data[f"practice-{index}-description"] = practice["description"]
        data[f"practice-{index}-adaptations"] = practice.get("adaptations", "")
        data[f"practice-{index}-durations"] = ", ".join(map(str, practice.get("durations", [])))
    response = client.post(reverse("authoring:draft_settings", args=[line.pk]), data)
    assert response.status_code == 200
    assert "The course has 8 sessions that count: enter a number from 1 to 8." in (
        response.content.decode()
    )
    assert 'value="Our MBSR, renamed"' in response.content.decode()
    data["completion_threshold"] = "6"
    data["practice-0-name"] = "Body scan, lying or seated"
    response = client.post(reverse("authoring:draft_settings", args=[line.pk]), data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.name == "Our MBSR, renamed"
    assert program.completion_threshold == 6
    assert program.practices[0]["name"] == "Body scan, lying or seated"
    assert program.practices[0]["code"] == "body_scan"
    subjects = set(line.changes.values_list("subject", flat=True))
    assert {"Settings: name", "Settings: sessions needed to complete"} <= subjects
    assert "Practice “Body scan”: name" in subjects


def test_a_save_into_a_draft_published_meanwhile_is_refused_and_keeps_the_text(
    client, coordinator_user, line
):
    client.force_login(coordinator_user)
    data = _week_data(line, title="A title typed before the publish")
    draft_publish(user=coordinator_user, line=line)
    # Someone starts a new draft: the old form's draft is now version 1.
    client.post(reverse("authoring:line_detail", args=[line.pk]))
    response = client.post(reverse("authoring:draft_week", args=[line.pk, 1]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "published or discarded by someone else" in page
    assert "A title typed before the publish" in page
    version1 = ProgramVersion.objects.get(line=line, number=1)
    assert version1.program.sessions.get(number=1).title != "A title typed before the publish"


def test_publishing_from_the_page_makes_version_1_and_running_cohorts_keep_theirs(
    client, coordinator_user, line, organization
):
    client.force_login(coordinator_user)
    confirm = client.get(reverse("authoring:draft_publish", args=[line.pk])).content.decode()
    assert "Publish version 1" in confirm
    response = client.post(reverse("authoring:draft_publish", args=[line.pk]))
    assert response["Location"] == reverse("authoring:line_detail", args=[line.pk])
    v1 = ProgramVersion.objects.get(line=line, number=1)
    assert v1.program.status == ProgramStatus.PUBLISHED
    cohort = CohortFactory(organization=organization, program=v1.program, name="Tuesday group")
    EnrollmentFactory(cohort=cohort)
    v1_title = v1.program.sessions.get(number=1).title

    client.post(reverse("authoring:line_detail", args=[line.pk]))  # Start editing
    client.post(
        reverse("authoring:draft_week", args=[line.pk, 1]), _week_data(line, title="New week 1")
    )
    cohort.refresh_from_db()
    assert cohort.program_id == v1.program_id
    assert cohort.program.sessions.get(number=1).title == v1_title
    detail = client.get(reverse("authoring:line_detail", args=[line.pk])).content.decode()
    assert "Tuesday group" in detail
    assert "Cohorts keep the version they started with" in detail

    client.post(reverse("authoring:draft_publish", args=[line.pk]))
    cohort.refresh_from_db()
    assert cohort.program_id == v1.program_id
    assert cohort.program.sessions.get(number=1).title == v1_title
    v2 = ProgramVersion.objects.get(line=line, number=2)
    assert v2.program.sessions.get(number=1).title == "New week 1"


def test_publishing_with_a_problem_lists_it_with_a_link_to_fix_it(client, coordinator_user, line):
    client.force_login(coordinator_user)
    point = draft_get(line=line).program.measurement_points.get(kind="post")
    point.instruments = [*point.instruments, "not-a-questionnaire"]
    point.save()
    page = client.get(reverse("authoring:draft_publish", args=[line.pk])).content.decode()
    assert "is not in the questionnaire library" in page
    assert reverse("authoring:draft_plan", args=[line.pk]) in page
    response = client.post(reverse("authoring:draft_publish", args=[line.pk]))
    assert response.status_code == 200
    assert "is not in the questionnaire library" in response.content.decode()
    assert not ProgramVersion.objects.filter(line=line, number__isnull=False).exists()


def test_discarding_the_draft_asks_first_then_keeps_published_versions(
    client, coordinator_user, line
):
    client.force_login(coordinator_user)
    draft_publish(user=coordinator_user, line=line)
    client.post(reverse("authoring:line_detail", args=[line.pk]))
    assert (
        "Discard the draft"
        in client.get(reverse("authoring:draft_discard", args=[line.pk])).content.decode()
    )
    response = client.post(reverse("authoring:draft_discard", args=[line.pk]))
    assert response.status_code == 302
    assert draft_get(line=line) is None
    assert ProgramVersion.objects.filter(line=line, number=1).exists()
    page = client.get(reverse("authoring:line_detail", args=[line.pk])).content.decode()
    assert "Start editing" in page
    assert client.get(reverse("authoring:draft_week", args=[line.pk, 1])).status_code == 404


def test_practice_lengths_that_are_not_minutes_are_refused_with_the_text_kept(
    client, coordinator_user, line
):
    client.force_login(coordinator_user)
    draft = draft_get(line=line)
    program = draft.program
    data = {
        "draft": draft.pk,
        "name": program.name,
        "summary": program.summary,
        "completion_threshold": program.completion_threshold,
        "default_session_minutes": program.default_session_minutes,
    }
    for index, practice in enumerate(program.practices):
        data[f"practice-{index}-name"] = practice["name"]
        data[f"practice-{index}-description"] = practice["description"]
        data[f"practice-{index}-adaptations"] = practice.get("adaptations", "")
        data[f"practice-{index}-durations"] = "10, 20"
    data["practice-0-durations"] = "10, ten, 20"
    response = client.post(reverse("authoring:draft_settings", args=[line.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "“ten” is not a length in minutes." in page
    assert 'value="10, ten, 20"' in page
    assert not line.changes.filter(action=ProgramChange.Action.EDITED).exists()


def test_an_individual_programs_copy_opens_every_page(client, coordinator_user, organization):
    client.force_login(coordinator_user)
    line = line_copy_from_shipped(
        user=coordinator_user,
        organization=organization,
        source=shipped_program("ier-6"),
        name="Our IER",
    )
    for url in _routes(line):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("authoring:shipped_detail", args=["mbsr-self-8-ms"]))
    assert page.status_code == 200
