"""Everything Stillwater holds about one person, read table by table.

`participant_data_collect` reads each table of the person's own rows in a fixed number of
queries. Staff working records (facilitator notes, follow-up to-dos, the team's notes after an
answer that needed a follow-up) are never part of it (BRIEF §1: facilitator notes are never
shown to a participant); the README (files.py) says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accounts.models import ConsentRecord, ErasureRequest, User
from programs.instrument_library import InstrumentError
from programs.models import Enrollment
from programs.scoring import InvalidAnswers, score
from sessions.models import Attendance, CalendarFeed, PracticeLog, SessionCompletion
from sessions.notifications.models import Notification, Preferences
from sessions.questionnaires.models import Assessment, Response


@dataclass
class DataTable:
    name: str
    description: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)


def local_time(value: dt.datetime | None, zone: Any) -> str | None:
    """A moment as ISO text in the person's own time zone (the README explains the format)."""
    return None if value is None else value.astimezone(zone).isoformat()


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _number(value: int | Decimal | None) -> int | str | None:
    # Decimals (subscale means) as exact text: JSON floats could print 3.2499999.
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


def _person(user: User | None, me: User) -> str:
    if user is None:
        return ""
    if user.pk == me.pk:
        return "You"
    return user.display_name


def participant_data_collect(*, user: User) -> list[DataTable]:
    """Every table of data about `user`, their own rows only, in a fixed number of queries."""
    zone = user.zoneinfo
    tables: list[DataTable] = []

    tables.append(
        DataTable(
            "profile",
            "Your account: name, e-mail address, phone and settings.",
            (
                "email",
                "full_name",
                "preferred_name",
                "phone",
                "time_zone",
                "language",
                "joined",
                "last_sign_in",
            ),
            [
                {
                    "email": user.email,
                    "full_name": user.full_name,
                    "preferred_name": user.preferred_name,
                    "phone": user.phone,
                    "time_zone": user.timezone,
                    "language": user.language,
                    "joined": local_time(user.date_joined, zone),
                    "last_sign_in": local_time(user.last_login, zone),
                }
            ],
        )
    )

    tables.append(
        DataTable(
            "consent_records",
            "Each time you agreed to how we use your information, and what you chose.",
            ("version", "accepted_at", "keep_answers_for_research_after_erasure", "text_sha256"),
            [
                {
                    "version": record.version,
                    "accepted_at": local_time(record.accepted_at, zone),
                    "keep_answers_for_research_after_erasure": record.keep_research_data,
                    "text_sha256": record.text_sha256,
                }
                for record in ConsentRecord.objects.filter(user=user).order_by("accepted_at", "pk")
            ],
        )
    )

    enrollments = list(
        Enrollment.objects.filter(user=user)
        .select_related("cohort__program", "cohort__organization")
        .order_by("invited_at", "pk")
    )
    by_pk = {e.pk: e for e in enrollments}
    tables.append(
        DataTable(
            "enrollments",
            "The courses you were invited to or took part in. The participant code is how the "
            "team's research files name you.",
            (
                "participant_code",
                "program",
                "cohort",
                "organization",
                "arm",
                "status",
                "invited_at",
                "started_at",
                "left_on",
                "reason_for_leaving",
                "own_first_session_date",
                "own_session_time",
            ),
            [
                {
                    "participant_code": e.participant_code,
                    "program": e.cohort.program.name,
                    "cohort": e.cohort.name,
                    "organization": e.cohort.organization.name,
                    "arm": e.get_arm_display(),
                    "status": e.get_status_display(),
                    "invited_at": local_time(e.invited_at, zone),
                    "started_at": local_time(e.activated_at, zone),
                    "left_on": _day(e.withdrawn_at),
                    "reason_for_leaving": e.withdrawal_reason,
                    "own_first_session_date": _day(e.start_date),
                    "own_session_time": e.session_time.isoformat() if e.session_time else None,
                }
                for e in enrollments
            ],
        )
    )

    def code(enrollment_id: int) -> str:
        return by_pk[enrollment_id].participant_code

    attendance = (
        Attendance.objects.filter(enrollment__user=user)
        .select_related("scheduled_session__program_session")
        .order_by("scheduled_session__starts_at", "pk")
    )
    tables.append(
        DataTable(
            "attendance",
            "Whether you came to each session, as your course team recorded it.",
            (
                "participant_code",
                "session_number",
                "session_title",
                "session_start",
                "how",
                "attendance",
                "phone_call",
                "call_minutes",
                "recorded_at",
            ),
            [
                {
                    "participant_code": code(a.enrollment_id),
                    "session_number": a.scheduled_session.program_session.number,
                    "session_title": a.scheduled_session.program_session.title,
                    "session_start": local_time(a.scheduled_session.starts_at, zone),
                    "how": a.scheduled_session.get_modality_display(),
                    "attendance": a.get_status_display(),
                    "phone_call": a.get_call_outcome_display() if a.call_outcome else "",
                    "call_minutes": a.call_minutes,
                    "recorded_at": local_time(a.recorded_at, zone),
                }
                for a in attendance
            ],
        )
    )

    logs = PracticeLog.objects.filter(enrollment__user=user).order_by("date", "created_at", "pk")
    tables.append(
        DataTable(
            "practice_logs",
            "The home practice you logged, with your notes.",
            (
                "participant_code",
                "date",
                "practice",
                "minutes",
                "note",
                "situation",
                "mood_before",
                "mood_after",
                "logged_at",
                "changed_at",
            ),
            [
                {
                    "participant_code": code(log.enrollment_id),
                    "date": _day(log.date),
                    "practice": by_pk[log.enrollment_id].cohort.program.practice_name(log.practice),
                    "minutes": log.minutes,
                    "note": log.note,
                    "situation": log.situation,
                    "mood_before": log.mood_before,
                    "mood_after": log.mood_after,
                    "logged_at": local_time(log.created_at, zone),
                    "changed_at": local_time(log.updated_at, zone),
                }
                for log in logs
            ],
        )
    )

    completions = (
        SessionCompletion.objects.filter(enrollment__user=user)
        .select_related("program_session")
        .order_by("program_session__number", "pk")
    )
    tables.append(
        DataTable(
            "session_completions",
            "Weeks you worked through on your own, with what you wrote about them.",
            (
                "participant_code",
                "session_number",
                "session_title",
                "reflection",
                "completed_at",
                "confirmed_by_team_at",
            ),
            [
                {
                    "participant_code": code(c.enrollment_id),
                    "session_number": c.program_session.number,
                    "session_title": c.program_session.title,
                    "reflection": c.reflection,
                    "completed_at": local_time(c.completed_at, zone),
                    "confirmed_by_team_at": local_time(c.confirmed_at, zone),
                }
                for c in completions
            ],
        )
    )

    assessments = (
        Assessment.objects.filter(enrollment__user=user)
        .select_related("measurement_point")
        .order_by("opens_at", "pk")
    )
    tables.append(
        DataTable(
            "questionnaires",
            "When each set of questionnaires was open to you, and when you finished it.",
            ("participant_code", "when", "questionnaires", "opens_at", "closes_at", "finished_at"),
            [
                {
                    "participant_code": code(a.enrollment_id),
                    "when": a.measurement_point.label,
                    "questionnaires": " ".join(a.instruments),
                    "opens_at": local_time(a.opens_at, zone),
                    "closes_at": local_time(a.closes_at, zone),
                    "finished_at": local_time(a.completed_at, zone),
                }
                for a in assessments
            ],
        )
    )

    responses = list(
        Response.objects.filter(assessment__enrollment__user=user)
        .select_related("assessment__measurement_point", "entered_by", "supersedes")
        .order_by("assessment__opens_at", "instrument", "version", "pk")
    )
    latest: dict[tuple[int, str], Response] = {}
    for r in responses:
        if r.submitted_at is None:
            continue
        key = (r.assessment_id, r.instrument)
        if key not in latest or r.version > latest[key].version:
            latest[key] = r
    latest_pks = {r.pk for r in latest.values()}
    tables.append(
        DataTable(
            "questionnaire_responses",
            "Each questionnaire you answered. When the team corrected an answer, the original "
            "and the correction are both here, with who made it and why.",
            (
                "response_id",
                "participant_code",
                "when",
                "questionnaire",
                "questionnaire_version",
                "version",
                "is_latest",
                "how_answered",
                "entered_by",
                "started_at",
                "sent_at",
                "corrects_version",
                "reason_for_correction",
            ),
            [
                {
                    "response_id": r.pk,
                    "participant_code": code(r.assessment.enrollment_id),
                    "when": r.assessment.measurement_point.label,
                    "questionnaire": r.instrument,
                    "questionnaire_version": r.instrument_version,
                    "version": r.version,
                    "is_latest": r.pk in latest_pks,
                    "how_answered": r.get_mode_display(),
                    "entered_by": _person(r.entered_by, user),
                    "started_at": local_time(r.started_at, zone),
                    "sent_at": local_time(r.submitted_at, zone),
                    "corrects_version": r.supersedes.version if r.supersedes else None,
                    "reason_for_correction": r.correction_reason,
                }
                for r in responses
            ],
        )
    )
    tables.append(
        DataTable(
            "questionnaire_answers",
            "Every answer, one row per question (response_id matches questionnaire_responses).",
            ("response_id", "questionnaire", "version", "question", "answer"),
            [
                {
                    "response_id": r.pk,
                    "questionnaire": r.instrument,
                    "version": r.version,
                    "question": item,
                    "answer": value,
                }
                for r in responses
                for item, value in sorted(r.answer_map().items())
            ],
        )
    )

    score_rows: list[dict[str, Any]] = []
    for r in sorted(latest.values(), key=lambda r: (r.assessment.opens_at, r.instrument)):
        try:
            result = score(r.instrument, r.answer_map())
        except (InvalidAnswers, InstrumentError):
            continue
        values: list[tuple[str, int | Decimal | None]] = [("total", result.total)]
        if result.percentage is not None:
            values.append(("percentage", result.percentage))
        values += sorted(result.subscales.items())
        for name, value in values:
            score_rows.append(
                {
                    "participant_code": code(r.assessment.enrollment_id),
                    "when": r.assessment.measurement_point.label,
                    "questionnaire": r.instrument,
                    "from_version": r.version,
                    "score": name,
                    "value": _number(value),
                }
            )
    tables.append(
        DataTable(
            "scores",
            "Scores worked out from the latest version of each questionnaire you sent.",
            ("participant_code", "when", "questionnaire", "from_version", "score", "value"),
            score_rows,
        )
    )

    reminders = Notification.objects.filter(recipient=user).order_by("send_at", "pk")
    tables.append(
        DataTable(
            "reminders",
            "The e-mails we planned or sent to you, and what happened to each.",
            ("kind", "about", "planned_for", "sent_at", "status"),
            [
                {
                    "kind": n.kind,
                    "about": n.get_kind_display(),
                    "planned_for": local_time(n.send_at, zone),
                    "sent_at": local_time(n.sent_at, zone),
                    "status": n.get_status_display(),
                }
                for n in reminders
            ],
        )
    )

    saved = Preferences.objects.filter(user=user).first()
    preferences = saved or Preferences(user=user)
    names = [
        f.name
        for f in Preferences._meta.concrete_fields
        if f.name not in {"id", "user", "updated_at"}
    ]
    row: dict[str, Any] = {}
    for name in names:
        value = getattr(preferences, name)
        row[name] = value.isoformat() if isinstance(value, dt.time) else value
    # Chosen on the same settings page, though kept with the person (accounts.User): still
    # part of this table, where it always was (after daily_cap).
    names.insert(names.index("daily_cap") + 1, "questionnaire_layout")
    row["questionnaire_layout"] = user.questionnaire_layout
    row["saved_at"] = local_time(saved.updated_at, zone) if saved else None
    tables.append(
        DataTable(
            "preferences",
            "Your reminder and questionnaire settings (the defaults if you never changed them).",
            (*names, "saved_at"),
            [row],
        )
    )

    tables.append(
        DataTable(
            "calendar_links",
            "Private calendar addresses you made, and when a calendar program last read them.",
            ("made_at", "turned_off_at", "last_read_at"),
            [
                {
                    "made_at": local_time(feed.created_at, zone),
                    "turned_off_at": local_time(feed.revoked_at, zone),
                    "last_read_at": local_time(feed.last_read_at, zone),
                }
                for feed in CalendarFeed.objects.filter(user=user).order_by("created_at", "pk")
            ],
        )
    )

    tables.append(
        DataTable(
            "erasure_requests",
            "Times you asked for your details to be erased.",
            ("asked_at", "reason", "status", "completed_at"),
            [
                {
                    "asked_at": local_time(e.requested_at, zone),
                    "reason": e.reason,
                    "status": e.get_status_display(),
                    "completed_at": local_time(e.completed_at, zone),
                }
                for e in ErasureRequest.objects.filter(user=user).order_by("requested_at", "pk")
            ],
        )
    )
    return tables
