"""POST /api/v1/enrollments/: the CSV import's rules and words, all or none, for a token with
the enroll scope, into its own organization's cohorts only."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from programs.models import Enrollment
from tests.api.test_endpoints import build_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/enrollments/"


@pytest.fixture
def world():
    return build_world()


def _post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_enrolling_invites_everyone_and_answers_with_the_new_rows(
    world, django_capture_on_commit_callbacks
):
    cohort = world.ours.cohort
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            world.ours.client(full=True),
            {
                "cohort": cohort.pk,
                "participants": [
                    {"full_name": "Ada Lovelace", "email": "Ada@Example.org"},
                    {
                        "full_name": "Mary Somerville",
                        "email": "mary@example.org",
                        "timezone": "europe/london",
                        "arm": "Control",
                    },
                ],
            },
        )

    assert response.status_code == 201, response.content
    rows = response.json()["results"]
    assert [(r["email"], r["status"], r["arm"]) for r in rows] == [
        ("ada@example.org", "invited", "intervention"),
        ("mary@example.org", "invited", "control"),
    ]
    assert all(r["participant_code"].startswith("MB-") for r in rows)
    assert Enrollment.objects.filter(cohort=cohort).count() == 4
    # The change history names the coordinator who made the token, as the invitation does.
    made = Enrollment.objects.get(user__email="ada@example.org")
    assert made.history.get().history_user == world.ours.coordinator
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "mary@example.org"]


def test_a_list_with_problems_adds_nobody_and_says_each_by_line_and_field(world):
    cohort = world.ours.cohort
    before = Enrollment.objects.count()

    response = _post(
        world.ours.client(full=True),
        {
            "cohort": cohort.pk,
            "participants": [
                {"full_name": "Ada Lovelace", "email": "ada@example.org"},
                {"full_name": "", "email": "not an address"},
                {"full_name": "Ada Again", "email": "ADA@example.org", "timezone": "Mars/Olympus"},
                {"full_name": "Already Here", "email": "person1@riverside.example.org"},
            ],
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The list has 5 problems; nobody was added."
    assert [(p["line"], p["field"], p["message"]) for p in body["problems"]] == [
        (2, "full_name", "Line 2: the name is missing."),
        (2, "email", "Line 2: “not an address” is not an e-mail address."),
        (3, "timezone", "Line 3: “Mars/Olympus” is not a time zone name such as Europe/London."),
        (3, "email", "Line 3: ada@example.org is already on line 1 of this list."),
        (4, "email", "Line 4: person1@riverside.example.org is already enrolled in this cohort."),
    ]
    assert Enrollment.objects.count() == before


def test_a_study_cohort_refuses_an_arm_as_the_import_does(world):
    response = _post(
        world.ours.client(full=True),
        {
            "cohort": world.study_cohort.pk,
            "participants": [{"full_name": "Ada", "email": "ada@example.org", "arm": "control"}],
        },
    )

    assert response.status_code == 400
    problem = response.json()["problems"][0]
    assert (problem["line"], problem["field"]) == (1, "arm")
    assert "decided by randomization" in problem["message"]


def test_an_empty_list_and_a_wrong_shape_are_problems_too(world):
    client = world.ours.client(full=True)

    empty = _post(client, {"cohort": world.ours.cohort.pk, "participants": []})
    assert empty.status_code == 400
    assert empty.json()["problems"][0]["message"] == "There are no participants in the list."

    wrong = _post(client, {"cohort": "first", "participants": [{"full_name": 3}]})
    assert wrong.status_code == 400
    problems = wrong.json()["problems"]
    assert {(p["line"], p["field"]) for p in problems} >= {(None, "cohort"), (1, "email")}


def test_another_organizations_cohort_reads_as_no_cohort(world):
    response = _post(
        world.ours.client(full=True),
        {
            "cohort": world.theirs.cohort.pk,
            "participants": [{"full_name": "A", "email": "a@example.org"}],
        },
    )

    assert response.status_code == 400
    assert response.json()["problems"] == [
        {
            "line": None,
            "field": "cohort",
            "message": "There is no cohort with this id in your organization.",
        }
    ]
    assert not Enrollment.objects.filter(user__email="a@example.org").exists()


def test_a_token_without_the_enroll_scope_gets_403_and_no_token_401(world):
    body = {
        "cohort": world.ours.cohort.pk,
        "participants": [{"full_name": "A", "email": "a@example.org"}],
    }

    assert _post(world.ours.client(), body).status_code == 403
    assert _post(Client(), body).status_code == 401
    assert not Enrollment.objects.filter(user__email="a@example.org").exists()


def test_names_enrolled_through_the_api_are_text_on_the_staff_pages_and_in_the_e_mail(
    world, client, django_capture_on_commit_callbacks
):
    script = '<script>alert("xq7")</script>'
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            world.ours.client(full=True),
            {
                "cohort": world.ours.cohort.pk,
                "participants": [{"full_name": script, "email": "script@example.org"}],
            },
        )
    assert response.status_code == 201
    # JSON carries the name as it was typed; pages and e-mails must show it as text.
    assert response.json()["results"][0]["full_name"] == script

    client.force_login(world.ours.coordinator)
    page = client.get(reverse("reports:cohort_people", args=[world.ours.cohort.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "&lt;script&gt;alert(&quot;xq7&quot;)&lt;/script&gt;" in html
    assert script not in html
    invitation = next(m for m in mail.outbox if m.to == ["script@example.org"])
    for content, _mimetype in getattr(invitation, "alternatives", []):
        assert script not in str(content)
