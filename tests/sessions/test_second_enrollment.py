"""A second enrollment hides nothing (issue 12, point 6).

The original steps: participant1, active in MBSR “Tuesday evenings” with a session tomorrow and
15 practice entries, was added by a coordinator to another cohort of the same organization.
Before she accepted, her home switched to the new course, hid tomorrow's session and showed
“Nothing logged yet” over her 15 entries; exports listed her under two unrelated codes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Organization, User
from programs.models import Cohort, Enrollment, EnrollmentStatus, PersonCode
from programs.services import enrollment_accept_invited
from sessions.models import PracticeLog
from sessions.reports.exports import ExportScope, export_build
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program

pytestmark = pytest.mark.django_db

UTC = dt.UTC
BEFORE = dt.datetime(2026, 8, 1, tzinfo=UTC)
# Monday 14 September 2026, noon in London: “Tuesday evenings” meets tomorrow at 18:00.
NOW = dt.datetime(2026, 9, 14, 11, 0, tzinfo=UTC)
TOMORROW = "Tuesday 15 September 2026, 18:00 (Europe/London time)"
# “Thursday mornings” has not met yet: its first session is on Thursday 17 September.
THURSDAY = "Thursday 17 September 2026, 10:00 (Europe/London time)"
ENTRIES = 15

HOME = reverse("reports:participant_home")
LOG = reverse("program_sessions:practice_list")


def _cohort(organization: Organization, name: str, **kwargs: object) -> Cohort:
    cohort = CohortFactory(
        organization=organization, program=shipped_program("mbsr-8-ms"), name=name, **kwargs
    )
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def _tuesday_evenings(organization: Organization) -> Cohort:
    return _cohort(
        organization, "Tuesday evenings", start_date=dt.date(2026, 9, 1), meeting_weekday=1
    )


def _thursday_mornings(organization: Organization) -> Cohort:
    return _cohort(
        organization,
        "Thursday mornings",
        start_date=dt.date(2026, 9, 17),
        meeting_weekday=3,
        meeting_time=dt.time(10, 0),
    )


def _practised(enrollment: Enrollment, count: int = ENTRIES) -> None:
    """`count` entries over the last fortnight, two of them today (Monday 14 September)."""
    PracticeLog.objects.bulk_create(
        PracticeLog(
            enrollment=enrollment,
            date=dt.date(2026, 9, 14) - dt.timedelta(days=n % 14),
            practice="body_scan",
            minutes=20,
        )
        for n in range(count)
    )


@pytest.fixture
def participant1(organization) -> Enrollment:
    user = UserFactory(
        email="participant1@example.org", full_name="Pia One", timezone="Europe/London"
    )
    enrollment = EnrollmentFactory(cohort=_tuesday_evenings(organization), user=user)
    _practised(enrollment)
    return enrollment


def _add_form(**extra: str) -> dict[str, str]:
    return {
        "full_name": "Pia One",
        "email": "Participant1@example.org",
        "phone": "07700 900123",
        "timezone": "Europe/London",
        "arm": "intervention",
        **extra,
    }


def _entries(page: str) -> int:
    return page.count('class="log-entry"')


# --- the coordinator is told before anything is saved --------------------------------------


def test_adding_someone_active_in_another_cohort_warns_first_and_keeps_what_was_typed(
    client, coordinator_user, participant1
):
    thursday = _thursday_mornings(participant1.cohort.organization)
    client.force_login(coordinator_user)
    url = reverse("programs:enrollment_create", args=[thursday.pk])
    with time_machine.travel(NOW):
        page = client.post(url, _add_form())

    assert page.status_code == 200
    assert not thursday.enrollments.exists()  # nothing saved yet
    text = page.text
    assert "Already in another course" in text
    assert (
        "participant1@example.org is already\n      taking part in “Tuesday evenings” (MBSR-8 for MS)"
        in text
    )
    # Everything typed is still there, and the coordinator can confirm with one press.
    assert 'value="Pia One"' in text
    assert 'value="07700 900123"' in text
    assert 'name="confirmed" value="participant1@example.org"' in text
    assert 'name="add_anyway"' in text

    with time_machine.travel(NOW):
        done = client.post(url, _add_form(add_anyway="1", confirmed="participant1@example.org"))
    assert done.status_code == 302
    (added,) = thursday.enrollments.all()
    assert added.user == participant1.user
    assert added.status == EnrollmentStatus.INVITED


def test_confirming_one_address_does_not_confirm_another_typed_afterwards(
    client, coordinator_user, participant1, organization
):
    thursday = _thursday_mornings(organization)
    other = EnrollmentFactory(cohort=participant1.cohort, user=UserFactory(email="sam@example.org"))
    client.force_login(coordinator_user)
    url = reverse("programs:enrollment_create", args=[thursday.pk])
    with time_machine.travel(NOW):
        page = client.post(
            url,
            _add_form(email=other.user.email, add_anyway="1", confirmed="participant1@example.org"),
        )
    assert page.status_code == 200
    assert "sam@example.org is already" in page.text
    assert not thursday.enrollments.exists()


def test_import_preview_lists_the_lines_of_people_in_another_cohort_and_adds_them_once_confirmed(
    client, coordinator_user, participant1, mailoutbox
):
    thursday = _thursday_mornings(participant1.cohort.organization)
    client.force_login(coordinator_user)
    url = reverse("programs:enrollment_import", args=[thursday.pk])
    listing = (
        "name,email\nAlex Morgan,alex@example.org\nPia One,PARTICIPANT1@example.org\n"
        "Sam Patel,sam@example.org\n"
    )
    with time_machine.travel(NOW):
        page = client.post(url, {"text": listing})

    assert page.status_code == 200
    assert not thursday.enrollments.exists()
    text = page.text
    assert "Line 3: participant1@example.org is already" in text
    assert "taking part in “Tuesday evenings”" in text
    assert "alex@example.org is already" not in text
    assert "Add everyone anyway (3)" in text
    assert "Alex Morgan,alex@example.org" in text  # the list stays in the box

    with time_machine.travel(NOW):
        done = client.post(
            url, {"text": listing, "add_anyway": "1", "confirmed": "participant1@example.org"}
        )
    assert done.status_code == 302
    assert thursday.enrollments.count() == 3


def test_import_from_a_file_puts_the_list_in_the_box_for_the_confirming_step(
    client, coordinator_user, participant1
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    thursday = _thursday_mornings(participant1.cohort.organization)
    client.force_login(coordinator_user)
    upload = SimpleUploadedFile(
        "list.csv", b"name,email\nPia One,participant1@example.org\n", content_type="text/csv"
    )
    with time_machine.travel(NOW):
        page = client.post(
            reverse("programs:enrollment_import", args=[thursday.pk]),
            # A browser sends the (empty) box along with the file.
            {"text": "", "file": upload},
        )
    assert "Line 2: participant1@example.org is already" in page.text
    assert "Pia One,participant1@example.org" in page.text


def test_another_organizations_course_is_never_mentioned(
    client, coordinator_user, other_organization, organization
):
    """Typing an address says nothing about the person's courses elsewhere."""
    user = UserFactory(email="elsewhere@example.org")
    EnrollmentFactory(cohort=_cohort(other_organization, "Hillview Mondays"), user=user)
    thursday = _thursday_mornings(organization)
    client.force_login(coordinator_user)
    with time_machine.travel(NOW):
        created = client.post(
            reverse("programs:enrollment_create", args=[thursday.pk]),
            _add_form(email="elsewhere@example.org"),
        )
        listed = client.post(
            reverse("programs:enrollment_import", args=[_cohort(organization, "Fridays").pk]),
            {"text": "name,email\nEl Sewhere,elsewhere@example.org\n"},
        )
    assert created.status_code == 302  # no warning: nothing here is about them
    # Now they are invited to one of this organization's cohorts: that, and only that, is said.
    assert listed.status_code == 200
    assert "elsewhere@example.org is already" in listed.text
    assert "invited to “Thursday mornings” (MBSR-8 for MS)" in listed.text
    assert "Hillview" not in listed.text


def test_a_course_someone_left_or_finished_is_no_reason_to_warn(
    client, coordinator_user, participant1
):
    participant1.status = EnrollmentStatus.COMPLETED
    participant1.save()
    thursday = _thursday_mornings(participant1.cohort.organization)
    client.force_login(coordinator_user)
    with time_machine.travel(NOW):
        response = client.post(
            reverse("programs:enrollment_create", args=[thursday.pk]), _add_form()
        )
    assert response.status_code == 302


# --- the participant's pages -------------------------------------------------------------------


def _invited_to_thursday(client, coordinator_user, participant1) -> Cohort:
    thursday = _thursday_mornings(participant1.cohort.organization)
    client.force_login(coordinator_user)
    with time_machine.travel(NOW):
        client.post(
            reverse("programs:enrollment_create", args=[thursday.pk]),
            _add_form(add_anyway="1", confirmed="participant1@example.org"),
        )
    assert thursday.enrollments.filter(user=participant1.user).exists()
    client.logout()
    return thursday


def test_an_invitation_not_yet_accepted_hides_nothing_on_the_home_page_or_the_log(
    client, coordinator_user, participant1
):
    _invited_to_thursday(client, coordinator_user, participant1)
    client.force_login(participant1.user)
    with time_machine.travel(NOW):
        home = client.get(HOME).text
        log = client.get(LOG).text

    assert "Your course: <strong>MBSR-8 for MS</strong>" in home
    assert TOMORROW in home
    assert THURSDAY not in home
    assert "Nothing logged yet" not in home
    assert "You practised on 1 day this week" in home
    # The invitation is one line, with the way to accept it.
    assert (
        "You are invited to MBSR-8 for MS (Thursday mornings). "
        "To join it, use the link in the invitation e-mail we sent you." in home
    )
    assert _entries(log) == ENTRIES
    assert "Nothing logged yet" not in log


def test_someone_only_invited_sees_the_invitation_not_the_course(client, organization):
    user = UserFactory(email="new@example.org")
    EnrollmentFactory(
        cohort=_thursday_mornings(organization), user=user, status=EnrollmentStatus.INVITED
    )
    client.force_login(user)
    with time_machine.travel(NOW):
        home = client.get(HOME).text
        log_form = client.get(reverse("program_sessions:practice_create"))
    assert "No course at the moment" in home
    assert "You are invited to MBSR-8 for MS (Thursday mornings)." in home
    assert THURSDAY not in home
    assert log_form.status_code == 404


def test_pages_about_one_course_do_not_switch_to_an_invitation(
    client, coordinator_user, participant1
):
    thursday = _invited_to_thursday(client, coordinator_user, participant1)
    invited = thursday.enrollments.get()
    client.force_login(participant1.user)
    with time_machine.travel(NOW):
        week = client.get(reverse("program_sessions:week_detail", args=[2]))
        form = client.get(reverse("program_sessions:practice_create"))
        not_joined = client.get(
            reverse("program_sessions:practice_create") + f"?course={invited.pk}"
        )
        saved = client.post(
            reverse("program_sessions:practice_create"),
            {"date": "2026-09-14", "practice": "body_scan", "minutes": "10"},
        )
    assert week.status_code == 200
    assert "Tuesday evenings" not in week.text  # one course: no course names to choose from
    assert form.status_code == 200
    assert not_joined.status_code == 404
    assert saved.status_code == 302
    assert PracticeLog.objects.filter(enrollment=participant1).count() == ENTRIES + 1
    assert not PracticeLog.objects.filter(enrollment=invited).exists()


def test_after_accepting_the_home_shows_both_courses_and_the_log_keeps_every_entry(
    client, coordinator_user, participant1
):
    thursday = _invited_to_thursday(client, coordinator_user, participant1)
    with time_machine.travel(NOW):
        enrollment_accept_invited(user=participant1.user, organization=thursday.organization)
    second = thursday.enrollments.get()
    _practised(second, count=2)
    client.force_login(participant1.user)
    with time_machine.travel(NOW):
        home = client.get(HOME).text
        log = client.get(LOG).text

    assert "You are taking part in 2 courses:" in home
    assert '<h2 id="course-1">MBSR-8 for MS (Tuesday evenings)</h2>' in home
    assert '<h2 id="course-2">MBSR-8 for MS (Thursday mornings)</h2>' in home
    assert home.index(TOMORROW) < home.index(THURSDAY)
    assert "You are invited to" not in home
    # Each course links to its own week pages; only the course that has begun asks for practice
    # (Thursday mornings meets for the first time on Thursday).
    assert f"/me/weeks/2/?course={participant1.pk}" in home
    assert f"/me/practice/new/?course={participant1.pk}" in home
    assert f"/me/weeks/1/?course={second.pk}" in home
    assert f"/me/practice/new/?course={second.pk}" not in home

    assert _entries(log) == ENTRIES + 2
    assert log.count('<p class="log-entry__course">MBSR-8 for MS (Tuesday evenings)</p>') == ENTRIES
    assert log.count('<p class="log-entry__course">MBSR-8 for MS (Thursday mornings)</p>') == 2


def test_with_two_courses_a_page_about_one_asks_which_instead_of_guessing(
    client, coordinator_user, participant1
):
    thursday = _invited_to_thursday(client, coordinator_user, participant1)
    with time_machine.travel(NOW):
        enrollment_accept_invited(user=participant1.user, organization=thursday.organization)
    second = thursday.enrollments.get()
    client.force_login(participant1.user)
    with time_machine.travel(NOW):
        choose_log = client.get(reverse("program_sessions:practice_create"))
        choose_week = client.get(reverse("program_sessions:week_detail", args=[2]))
        saved = client.post(
            reverse("program_sessions:practice_create") + f"?course={second.pk}",
            {"date": "2026-09-14", "practice": "body_scan", "minutes": "10"},
        )
        week = client.get(
            reverse("program_sessions:week_detail", args=[1]) + f"?course={participant1.pk}"
        )

    assert "Which course are you logging for?" in choose_log.text
    assert f"?course={participant1.pk}" in choose_log.text
    assert f"?course={second.pk}" in choose_log.text
    # Week 2 of “Thursday mornings” has not opened yet: only Tuesday's is offered.
    assert "Week 2 of which course?" in choose_week.text
    assert f"/me/weeks/2/?course={participant1.pk}" in choose_week.text
    assert f"/me/weeks/2/?course={second.pk}" not in choose_week.text
    assert saved.status_code == 302
    assert PracticeLog.objects.filter(enrollment=second).count() == 1
    assert week.status_code == 200
    assert f'action="/me/weeks/1/complete/?course={participant1.pk}"' in week.text
    assert f'action="/me/practice/new/?course={participant1.pk}"' in week.text


def test_participant_pages_make_the_same_queries_for_one_course_or_three_and_many_entries(
    client, participant1, django_assert_max_num_queries
):
    user = participant1.user
    client.force_login(user)
    week = reverse("program_sessions:week_detail", args=[2]) + f"?course={participant1.pk}"
    log_form = reverse("program_sessions:practice_create") + f"?course={participant1.pk}"
    results = reverse("questionnaires:results_mine")
    ceilings = {HOME: 12, LOG: 7, week: 12, log_form: 8, results: 7}

    def counts() -> dict[str, int]:
        found = {}
        for address, ceiling in ceilings.items():
            with time_machine.travel(NOW), django_assert_max_num_queries(ceiling) as captured:
                assert client.get(address).status_code == 200
            found[address] = len(captured)
        return found

    one = counts()
    organization = participant1.cohort.organization
    for cohort in (_thursday_mornings(organization), _cohort(organization, "Weekends")):
        _practised(EnrollmentFactory(cohort=cohort, user=user), count=40)
    assert counts() == one


# --- exports -----------------------------------------------------------------------------------


def _participants_export(cohorts) -> list[dict[str, str]]:
    output = export_build(
        kind="participants",
        fmt="csv",
        scope=ExportScope(cohorts=cohorts, now=NOW),
        on_finish=lambda rows, checksum: None,
    )
    assert output.chunks is not None
    return list(csv.DictReader(io.StringIO(b"".join(output.chunks).decode("utf-8"))))


def test_exports_give_both_enrollments_one_person_code_and_another_organization_another(
    client, coordinator_user, participant1, other_organization
):
    thursday = _invited_to_thursday(client, coordinator_user, participant1)
    elsewhere = EnrollmentFactory(
        cohort=_cohort(other_organization, "Hillview Mondays"), user=participant1.user
    )
    organization = participant1.cohort.organization

    rows = _participants_export(Cohort.objects.filter(organization=organization))
    mine = [
        r
        for r in rows
        if r["participant_code"]
        in {participant1.participant_code, thursday.enrollments.get().participant_code}
    ]
    assert len(mine) == 2
    assert mine[0]["participant_code"] != mine[1]["participant_code"]
    assert mine[0]["person_code"] == mine[1]["person_code"]
    code = mine[0]["person_code"]
    assert re.fullmatch(r"PS-[A-HJKMNP-Z2-9]{6}", code)
    # Drawn at random: nothing of the person (name, address) nor of either enrollment in it.
    for detail in ("participant1", "pia", "one", participant1.participant_code.lower()):
        assert detail not in code.lower()

    (theirs,) = _participants_export(Cohort.objects.filter(organization=other_organization))
    assert theirs["participant_code"] == elsewhere.participant_code
    assert theirs["person_code"].startswith("PS-")
    assert theirs["person_code"] != code
    # Stable: the same code in a later export.
    again = _participants_export(Cohort.objects.filter(pk=participant1.cohort_id))
    assert again[0]["person_code"] == code


def test_the_codebook_explains_the_person_code(participant1):
    output = export_build(
        kind="responses",
        fmt="csv",
        scope=ExportScope(cohorts=Cohort.objects.filter(pk=participant1.cohort_id), now=NOW),
        on_finish=lambda rows, checksum: None,
    )
    import zipfile

    assert output.chunks is not None
    archive = zipfile.ZipFile(io.BytesIO(b"".join(output.chunks)))
    codebook = list(csv.reader(io.StringIO(archive.read("codebook.csv").decode("utf-8"))))
    meanings = {(section, name): meaning for section, name, meaning in codebook[1:]}
    for table in ("responses", "scores"):
        assert "the same in every export" in meanings[(f"{table} column", "person_code")]


def test_a_person_code_is_drawn_once_per_person_and_organization(
    organization, other_organization, participant1
):
    user: User = participant1.user
    EnrollmentFactory(cohort=_thursday_mornings(organization), user=user)
    EnrollmentFactory(cohort=_cohort(other_organization, "Hillview Mondays"), user=user)
    codes = PersonCode.objects.filter(user=user)
    assert codes.count() == 2
    assert {c.organization_id for c in codes} == {organization.pk, other_organization.pk}


# --- the practice log of someone in two courses ------------------------------------------------


def _two_courses(client, coordinator_user, participant1) -> Enrollment:
    thursday = _invited_to_thursday(client, coordinator_user, participant1)
    with time_machine.travel(NOW):
        enrollment_accept_invited(user=participant1.user, organization=thursday.organization)
    second = thursday.enrollments.get()
    _practised(second, count=2)
    return second


def test_the_log_shows_one_course_at_a_time_when_asked_and_404s_for_anyone_elses(
    client, coordinator_user, participant1
):
    second = _two_courses(client, coordinator_user, participant1)
    stranger = EnrollmentFactory(cohort=participant1.cohort)
    client.force_login(participant1.user)
    with time_machine.travel(NOW):
        everything = client.get(LOG).text
        thursday = client.get(LOG + f"?course={second.pk}").text
        not_mine = client.get(LOG + f"?course={stranger.pk}")
    assert "Show entries of" in everything
    assert 'aria-current="page">All courses</a>' in everything
    assert _entries(everything) == ENTRIES + 2
    assert _entries(thursday) == 2
    assert 'aria-current="page">MBSR-8 for MS (Thursday mornings)</a>' in thursday
    assert "Log practice for MBSR-8 for MS (Tuesday evenings)" in everything
    # Thursday mornings first meets on the 17th: its log asks for nothing yet.
    assert "Log practice for MBSR-8 for MS (Thursday mornings)" not in everything
    assert "Home practice starts after your first session." in thursday
    assert "Log practice for MBSR-8 for MS (Tuesday evenings)" not in thursday
    assert not_mine.status_code == 404


def test_saving_changing_and_deleting_an_entry_name_its_course(
    client, coordinator_user, participant1
):
    second = _two_courses(client, coordinator_user, participant1)
    client.force_login(participant1.user)
    entry = PracticeLog.objects.filter(enrollment=second).first()
    with time_machine.travel(NOW):
        saved = client.post(
            reverse("program_sessions:practice_create") + f"?course={second.pk}",
            {"date": "2026-09-14", "practice": "body_scan", "minutes": "10"},
            follow=True,
        ).text
        change = client.get(reverse("program_sessions:practice_update", args=[entry.pk])).text
        delete = client.get(reverse("program_sessions:practice_delete", args=[entry.pk])).text
    assert "Saved for MBSR-8 for MS (Thursday mornings): Body scan, 10 minutes" in saved
    assert "For MBSR-8 for MS (Thursday mornings)." in change
    assert "For MBSR-8 for MS (Thursday mornings)." in delete


def test_a_strategy_course_and_a_practice_course_share_one_log_each_in_its_own_words(
    client, coordinator_user, participant1
):
    ier = EnrollmentFactory(
        cohort=CohortFactory(
            organization=participant1.cohort.organization,
            program=shipped_program("ier-6"),
            name="With Hana",
        ),
        user=participant1.user,
        start_date=dt.date(2026, 9, 1),
        session_time=dt.time(11),
    )
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_enrollment(enrollment=ier)
    PracticeLog.objects.create(
        enrollment=ier,
        date=dt.date(2026, 9, 14),
        practice="ask_for_support",
        situation="Low after a bad night",
        mood_before=3,
        mood_after=6,
    )
    client.force_login(participant1.user)
    with time_machine.travel(NOW):
        log = client.get(LOG).text
        choose = client.get(reverse("program_sessions:practice_create")).text
        strategy_only = client.get(LOG + f"?course={ier.pk}").text
    assert "<h1>My practice and strategy log</h1>" in log
    assert "Log a strategy you used for IER-6 (With Hana)" in log
    assert "Log practice for MBSR-8 for MS (Tuesday evenings)" in log
    assert "IER-6 (With Hana): log a strategy you used" in choose
    assert "MBSR-8 for MS (Tuesday evenings): log practice" in choose
    assert "<h1>My strategy log</h1>" in strategy_only
    assert "mood 3 before and 6 after" in strategy_only
    assert "minutes" not in strategy_only.split("<main", 1)[1].split("</main>", 1)[0]
