"""Size limits on what people type and upload: each says the limit and how much there is.

A text over its limit comes back on the page with everything typed and a message such as
"Keep it to 5,000 characters or fewer (you have 6,210)."; nothing already saved changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
import time_machine
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.forms import (
    AcceptInvitationForm,
    InvitationForm,
    LimitedCharField,
    ProfileForm,
)
from accounts.models import Invitation, User
from programs.forms import CohortForm, EnrollmentForm, EnrollmentImportForm, EnrollmentWithdrawForm
from programs.models import Cohort, Enrollment
from sessions.forms.participant import PracticeLogForm, ReflectionForm, StrategyLogForm
from sessions.forms.staff import CancelForm, MakeupForm, NoteForm
from sessions.models import FacilitatorNote, PracticeLog, SessionCompletion
from sessions.questionnaires.forms.entry import CorrectionForm
from sessions.questionnaires.models import Response
from tests.reauthentication import record_reauthentication
from tests.test_url_matrix import NOW, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> Iterator[World]:
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def message(limit: int, length: int) -> str:
    return f"Keep it to {limit:,} characters or fewer (you have {length:,})."


# --- every limited field says so in plain words ---------------------------------------------


LIMITED_FIELDS = [
    (PracticeLogForm, "note", 2000),
    (StrategyLogForm, "note", 2000),
    (StrategyLogForm, "situation", 300),
    (ReflectionForm, "reflection", 5000),
    (NoteForm, "text", 5000),
    (CancelForm, "reason", 300),
    (MakeupForm, "place", 300),
    (MakeupForm, "phone_instructions", 300),
    (CorrectionForm, "reason", 300),
    (CohortForm, "name", 120),
    (CohortForm, "place", 300),
    (CohortForm, "phone_instructions", 300),
    (CohortForm, "skip_dates", 2000),
    (EnrollmentForm, "full_name", 200),
    (EnrollmentForm, "phone", 32),
    (EnrollmentImportForm, "text", 200_000),
    (EnrollmentWithdrawForm, "reason", 300),
    (InvitationForm, "full_name", 200),
    (AcceptInvitationForm, "full_name", 200),
    (AcceptInvitationForm, "password", 1000),
    (ProfileForm, "full_name", 200),
    (ProfileForm, "preferred_name", 100),
    (ProfileForm, "phone", 32),
]


@pytest.mark.parametrize(("form_class", "name", "limit"), LIMITED_FIELDS)
def test_text_over_its_limit_is_refused_with_the_limit_and_its_length(form_class, name, limit):
    field = form_class.base_fields[name]
    assert field.clean("a" * limit) == "a" * limit
    with pytest.raises(ValidationError) as refused:
        field.clean("a" * (limit + 1))
    assert refused.value.messages == [message(limit, limit + 1)]


@pytest.mark.parametrize(
    ("form_class", "name"),
    [(InvitationForm, "email"), (EnrollmentForm, "email")],
)
def test_an_email_address_longer_than_the_database_keeps_is_refused(form_class, name):
    address = "a" * 250 + "@example.org"  # passes Django's e-mail check (up to 320)
    with pytest.raises(ValidationError) as refused:
        form_class.base_fields[name].clean(address)
    assert refused.value.messages == [message(254, len(address))]


@pytest.mark.parametrize(
    ("form_class", "name"), [(CohortForm, "video_link"), (MakeupForm, "video_link")]
)
def test_a_video_link_longer_than_the_database_keeps_is_refused(form_class, name):
    link = "https://meet.example.org/" + "a" * 200
    with pytest.raises(ValidationError) as refused:
        form_class.base_fields[name].clean(link)
    assert refused.value.messages == [message(200, len(link))]


def test_a_textarea_has_no_maxlength_so_a_paste_is_not_cut_off_silently():
    form = PracticeLogForm.base_fields["note"]
    assert isinstance(form, LimitedCharField)
    assert "maxlength" not in form.widget_attrs(forms.Textarea())
    # A one-line input keeps it: the browser stops typing there, and a name is never pasted long.
    assert (
        ProfileForm.base_fields["full_name"].widget_attrs(forms.TextInput())["maxlength"] == "200"
    )


def _project_forms() -> list[type[forms.BaseForm]]:
    for package in ("accounts", "programs", "sessions"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in info.name and ".management" not in info.name:
                importlib.import_module(info.name)
    found, queue = [], [forms.BaseForm]
    while queue:
        for subclass in queue.pop().__subclasses__():
            queue.append(subclass)
            if subclass.__module__.split(".")[0] in {"accounts", "programs", "sessions"}:
                found.append(subclass)
    return found


# Bounded by DATA_UPLOAD_MAX_MEMORY_SIZE instead: it lists every cell of the attendance grid,
# so its size follows the cohort's, and nobody types in it.
UNLIMITED = {("AttendanceGridForm", "loaded")}


def test_every_text_field_of_every_form_has_a_length_limit():
    unlimited = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField)
        and not isinstance(field, forms.UUIDField)  # its format fixes its length
        and field.max_length is None
        and (form.__name__, name) not in UNLIMITED
    ]
    assert not unlimited, unlimited


# --- the pages: the message, everything typed, nothing saved changed ------------------------


def test_practice_note_over_the_limit_comes_back_with_everything_typed(client, world):
    note = "Breathing felt easier. " * 99 + "Then tired."  # 2,288 characters
    client.force_login(world.participant)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("program_sessions:practice_create"),
            {"date": "2026-09-16", "practice": "body_scan", "minutes": "20", "note": note},
        )
    assert response.status_code == 200
    assert message(2000, len(note)) in response.text
    assert note in response.text
    assert PracticeLog.objects.filter(enrollment=world.enrollment).count() == 1


def test_reflection_over_the_limit_keeps_the_saved_draft(client, world):
    client.force_login(world.participant)
    url = reverse("program_sessions:week_complete", args=[1])
    with time_machine.travel(NOW, tick=False):
        client.post(url, {"reflection": "My first draft.", "action": "save"})
        response = client.post(url, {"reflection": "x" * 5001, "action": "save"})
    assert message(5000, 5001) in response.text
    assert "x" * 5001 in response.text
    week_1 = world.session.program_session
    assert SessionCompletion.objects.get(
        enrollment=world.enrollment, program_session=week_1
    ).reflection == ("My first draft.")


def test_facilitator_note_over_the_limit_leaves_the_saved_note_alone(client, world):
    client.force_login(world.facilitator)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("program_sessions:note_save", args=[world.session.pk]),
            {
                "which": f"note-e{world.enrollment.pk}",
                f"note-e{world.enrollment.pk}-text": "n" * 6210,
            },
        )
    assert response.status_code == 200
    assert "Keep it to 5,000 characters or fewer (you have 6,210)." in response.text
    assert "n" * 6210 in response.text
    assert FacilitatorNote.objects.get(pk=world.note.pk).text == "Settled in well."


def test_correction_reason_over_the_limit_changes_no_answers(client, world):
    client.force_login(world.facilitator)
    url = reverse("questionnaires:response_correct", args=[world.baseline.pk, "phq9"])
    answers = {f"q{n}": "0" for n in range(1, 11)}
    with time_machine.travel(NOW, tick=False):
        record_reauthentication(client, world.facilitator)
        response = client.post(url, {**answers, "reason": "r" * 301})
    assert message(300, 301) in response.text
    assert Response.objects.filter(assessment=world.baseline, instrument="phq9").count() == 1


def test_cohort_name_over_the_limit_keeps_the_old_name(client, world):
    client.force_login(world.coordinator)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("programs:cohort_update", args=[world.cohort.pk]),
            {"name": "N" * 121, "start_date": "2026-09-01", "meeting_time": "18:00"},
        )
    assert message(120, 121) in response.text
    assert Cohort.objects.get(pk=world.cohort.pk).name == "Tuesday evenings"


def test_a_csv_file_over_1_mb_is_refused_with_its_size(client, world):
    big = b"name,email\n" + b"Someone,someone@example.org\n" * 50_000  # 1.3 MB
    client.force_login(world.coordinator)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("programs:enrollment_import", args=[world.cohort.pk]),
            {"text": "", "file": SimpleUploadedFile("list.csv", big, content_type="text/csv")},
        )
    assert response.status_code == 200
    assert (
        "The file is 1.3\xa0MB; a list to import can be at most 1 MB. "
        "Please split it into smaller files." in response.context["form"].errors["file"]
    )
    assert Enrollment.objects.filter(cohort=world.cohort).count() == 1


def test_a_pasted_list_over_the_limit_is_refused_with_its_length(client, world):
    text = "name,email" + "\nSomeone,someone@example.org" * 8000
    client.force_login(world.coordinator)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("programs:enrollment_import", args=[world.cohort.pk]), {"text": text}
        )
    assert message(200_000, len(text)) in response.text
    assert Enrollment.objects.filter(cohort=world.cohort).count() == 1


def test_a_csv_line_with_an_address_too_long_to_keep_is_named(client, world):
    address = "a" * 250 + "@example.org"
    client.force_login(world.coordinator)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("programs:enrollment_import", args=[world.cohort.pk]),
            {"text": f"name,email\nAli Long,{address}\n"},
        )
    assert "the e-mail address is longer than 254 characters." in response.text
    assert not User.objects.filter(email=address).exists()


def test_an_invitation_to_an_address_too_long_to_keep_is_refused(client, world):
    address = "a" * 250 + "@example.org"
    client.force_login(world.coordinator)
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("invitation_create"), {"email": address, "role": ""})
    assert message(254, len(address)) in response.text
    assert not Invitation.objects.filter(email=address).exists()


def test_profile_name_over_the_limit_keeps_the_saved_name(client, world):
    client.force_login(world.participant)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("profile"),
            {"full_name": "P" * 201, "preferred_name": "", "timezone": "Europe/London"},
        )
    assert message(200, 201) in response.text
    assert User.objects.get(pk=world.participant.pk).full_name == "Pat Participant"


def test_a_password_over_the_limit_makes_no_account(client, world):
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("invitation_accept", args=[world.invitation_token]),
            {"full_name": "Nia", "password": "p" * 1001},
        )
    assert message(1000, 1001) in response.text
    assert not User.objects.filter(email=world.invitation.email).exists()


def test_a_request_body_over_the_upload_limit_is_refused_and_nothing_saved(client, world):
    client.force_login(world.participant)
    note = "n" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("program_sessions:practice_create"),
            {"date": "2026-09-16", "practice": "body_scan", "minutes": "20", "note": note},
        )
    assert response.status_code == 400
    assert PracticeLog.objects.filter(enrollment=world.enrollment).count() == 1
