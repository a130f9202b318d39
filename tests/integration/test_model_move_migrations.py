"""The move of models into the questionnaires, notifications and reports apps keeps every row.

Questionnaires (Assessment, Response, SafetyEvent and their history), notifications
(Notification, Preferences and its history, WorkerHeartbeat) and reports (ExportRecord) took
over their models from program_sessions and accounts without moving a table: the migrations
change only Django's picture of them, their content types (so permissions follow), and move
"How to show questionnaires" from Preferences to the person. A database filled before the move
is migrated forward (and back and forward again) and must come out with the same rows.

PostgreSQL only (production's database, with the audit log's triggers), and slow: every test
drops the test database's tables and migrates from nothing (django-test-migrations). Left out
with `-m "not migration_test"`.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.apps import apps as project_apps
from django.apps.registry import Apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django_test_migrations.migrator import Migrator

from accounts.models import User
from sessions.notifications.models import Preferences
from sessions.questionnaires.models import Response

pytestmark = [pytest.mark.integration, pytest.mark.migration_test]

# Where the moved models lived, and where they live now. The same tables throughout.
MOVED = {
    ("program_sessions", "Assessment"): "questionnaires",
    ("program_sessions", "Response"): "questionnaires",
    ("program_sessions", "HistoricalResponse"): "questionnaires",
    ("program_sessions", "SafetyEvent"): "questionnaires",
    ("program_sessions", "HistoricalSafetyEvent"): "questionnaires",
    ("program_sessions", "Notification"): "notifications",
    ("program_sessions", "Preferences"): "notifications",
    ("program_sessions", "HistoricalPreferences"): "notifications",
    ("program_sessions", "WorkerHeartbeat"): "notifications",
    ("accounts", "ExportRecord"): "reports",
}
# Content types that stay where they were.
STAYING = [("program_sessions", "ScheduledSession"), ("accounts", "User")]
# The column that moved to accounts.User: compared on its own, not as part of the rows.
LAYOUT = "questionnaire_layout"

# The last migrations before the move; the new apps not migrated at all. Every app the move
# does not touch is at its newest (see _old_targets).
BEFORE_THE_MOVE = [
    ("accounts", "0005_audit_log_refuses_truncate"),
    ("programs", "0007_enrollment_accepted_and_typed_details"),
    ("program_sessions", "0007_notification_handed_over_at"),
    ("questionnaires", None),
    ("notifications", None),
    ("reports", None),
    # Apps made after the move start from it; before it they did not exist.
    ("trials", None),
    ("authoring", None),
    ("api", None),
]
# Migrations that must not have run in the state before the move.
THE_MOVE = {
    ("accounts", "0006_user_questionnaire_layout"),
    ("accounts", "0007_exportrecord_moves_to_reports"),
    ("program_sessions", "0008_models_move_to_their_apps"),
    ("questionnaires", "0001_initial"),
    ("notifications", "0001_initial"),
    ("notifications", "0002_questionnaire_layout_moves_to_the_person"),
    ("reports", "0001_initial"),
}

NOW = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)
PHQ9 = {f"phq9_{item}": item % 4 for item in range(1, 10)}
PHQ9_CORRECTED = {**PHQ9, "phq9_3": 0, "phq9_9": 2}


def _leaves() -> list[tuple[str, str]]:
    return sorted(MigrationLoader(connection, ignore_no_migrations=True).graph.leaf_nodes())


def _old_targets() -> list[tuple[str, str | None]]:
    touched = {app for app, _ in BEFORE_THE_MOVE}
    return [*BEFORE_THE_MOVE, *(leaf for leaf in _leaves() if leaf[0] not in touched)]


def _to_old_state(migrator: Migrator) -> ProjectState:
    """A fresh database as it was just before the move (and nothing of the move applied).

    Not apply_initial_migration(targets): it applies every migration ordered before the last
    target in the full plan, which takes in reports 0001 and accounts 0006-0007. So it starts
    the database from nothing with the first migration only, and Django plans the rest.
    """
    migrator.apply_initial_migration(("contenttypes", "0001_initial"))
    state = migrator.apply_tested_migration(_old_targets())
    applied = set(MigrationRecorder(connection).applied_migrations())
    assert not applied & THE_MOVE, "the state before the move already has part of the move"
    return state


def _rows(apps: Apps, label: str, name: str, *, without: tuple[str, ...] = ()) -> list[dict]:
    model = apps.get_model(label, name)
    pk = model._meta.pk.attname
    return [
        {field: value for field, value in row.items() if field not in without}
        for row in model.objects.order_by(pk).values()
    ]


def _moved_rows(apps: Apps, *, moved: bool) -> dict[str, list[dict]]:
    """Every row of every moved table, keyed by model name, read through `apps`."""
    return {
        name: _rows(apps, new if moved else old, name, without=(LAYOUT,))
        for (old, name), new in MOVED.items()
    }


def _seed(apps: Apps) -> dict[str, Any]:
    """Fill every moved table through the models as they were, and what they point at."""

    def objects(label: str, name: str) -> Any:
        return apps.get_model(label, name).objects

    def fields(row: Any) -> dict[str, Any]:
        return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}

    org = objects("accounts", "Organization").create(name="Riverside MS Centre", slug="riverside")
    cora, pat, sam = (
        objects("accounts", "User").create(email=f"{name}@example.org", password="!")
        for name in ("cora", "pat", "sam")
    )
    objects("accounts", "Membership").create(user=cora, organization=org, role="coordinator")
    program = objects("programs", "Program").get(slug="mbsr-8-ms")
    cohort = objects("programs", "Cohort").create(
        organization=org,
        program=program,
        name="MBSR Tuesday evenings",
        start_date=dt.date(2026, 10, 6),
        meeting_weekday=1,
        meeting_time=dt.time(18),
        timezone="Europe/London",
    )
    pat_in, _ = (
        objects("programs", "Enrollment").create(
            cohort=cohort, user=user, participant_code=code, status="active", accepted_at=NOW
        )
        for user, code in ((pat, "P-001"), (sam, "P-002"))
    )
    session = objects("program_sessions", "ScheduledSession").create(
        cohort=cohort,
        program_session=objects("programs", "ProgramSession").filter(program=program)[0],
        starts_at=NOW + dt.timedelta(days=1),
        duration_minutes=150,
        modality="in_person",
    )
    follow_up = objects("program_sessions", "FollowUp").create(
        scheduled_session=session, enrollment=pat_in
    )
    invitation = objects("accounts", "Invitation").create(
        organization=org, email="new@example.org", token_hash="f" * 64, expires_at=NOW
    )

    assessment = objects("program_sessions", "Assessment").create(
        enrollment=pat_in,
        measurement_point=objects("programs", "MeasurementPoint").filter(program=program)[0],
        instruments=["phq9", "gad7"],
        opens_at=NOW - dt.timedelta(days=3),
        closes_at=NOW + dt.timedelta(days=4),
        completed_at=NOW,
    )
    phq9 = {"assessment": assessment, "instrument": "phq9", "instrument_version": "1.0"}
    responses = objects("program_sessions", "Response")
    first = responses.create(**phq9, answers=PHQ9, submitted_at=NOW - dt.timedelta(hours=2))
    corrected = responses.create(
        **phq9,
        answers=PHQ9_CORRECTED,
        mode="phone",
        version=2,
        correction_reason="Item 3 misheard on the phone",
        entered_by=cora,
        supersedes=first,
        submitted_at=NOW,
    )
    for response, kind, user in ((first, "+", pat), (first, "~", pat), (corrected, "+", cora)):
        objects("program_sessions", "HistoricalResponse").create(
            **fields(response), history_date=NOW, history_type=kind, history_user=user
        )
    event = objects("program_sessions", "SafetyEvent").create(
        enrollment=pat_in,
        response=corrected,
        flag="item9_positive",
        flag_value=True,
        acknowledged_at=NOW + dt.timedelta(minutes=20),
        acknowledged_by=cora,
        action_taken="Called Pat; safety plan reviewed.",
    )
    for kind, user in (("+", None), ("~", cora)):
        objects("program_sessions", "HistoricalSafetyEvent").create(
            **fields(event), history_date=NOW, history_type=kind, history_user=user
        )

    # One notification for each thing a notification can be about, in several states.
    notifications = objects("program_sessions", "Notification")
    sent = {"status": "sent", "attempts": 1, "queued_at": NOW, "claimed_at": NOW}
    notifications.create(
        **sent,
        kind="safety_alert",
        dedupe_key=f"safety:{event.pk}:cora",
        recipient=cora,
        enrollment=pat_in,
        cohort=cohort,
        safety_event=event,
        send_at=NOW,
        handed_over_at=NOW + dt.timedelta(seconds=1),
        sent_at=NOW + dt.timedelta(seconds=2),
        message_id="<safety-1@stillwater.example.org>",
    )
    for kind, about in (
        ("session_24h", {"scheduled_session": session, "about_time": session.starts_at}),
        ("questionnaire_closing", {"assessment": assessment, "status": "failed", "attempts": 3}),
        ("follow_up_todo", {"follow_up": follow_up, "for_date": NOW.date(), "status": "unknown"}),
        ("invitation", {"invitation": invitation, "requested_by": cora, "status": "skipped"}),
    ):
        notifications.create(kind=kind, dedupe_key=kind, recipient=pat, send_at=NOW, **about)

    preferences = objects("program_sessions", "Preferences")
    pat_prefs = preferences.create(
        user=pat, questionnaire_layout="whole", practice_nudge_time=dt.time(7, 30), daily_cap=5
    )
    sam_prefs = preferences.create(user=sam, questionnaire_layout="one_question")
    for prefs, layout, kind in (
        (pat_prefs, "one_question", "+"),
        (pat_prefs, "whole", "~"),
        (sam_prefs, "one_question", "+"),
    ):
        objects("program_sessions", "HistoricalPreferences").create(
            **{**fields(prefs), LAYOUT: layout}, history_date=NOW, history_type=kind
        )
    objects("program_sessions", "WorkerHeartbeat").create(name="dispatch", beat_at=NOW, count=42)
    objects("accounts", "ExportRecord").create(
        actor=cora.email,
        user=cora,
        organization=org,
        kind="responses",
        format="csv",
        filters={"cohort": cohort.pk},
        identifiable=True,
        row_count=12,
        checksum="ab" * 32,
        finished_at=NOW,
    )
    objects("accounts", "ExportRecord").create(actor="manage.py", kind="all", format="xlsx")
    audit = objects("accounts", "AuditEvent").create(actor=cora, action="export", organization=org)

    # The content types and permissions a database has before the move (migrations made with
    # signals muted have none): one of each moved model, and two that stay where they are.
    content_types, permissions = {}, {}
    for label, name in [*MOVED, *STAYING]:
        ct = objects("contenttypes", "ContentType").create(app_label=label, model=name.lower())
        content_types[name] = ct.pk
        permissions[name] = objects("auth", "Permission").create(
            content_type=ct, codename=f"view_{name.lower()}", name=f"Can view {name}"
        )
    # Held directly and through a group: both kinds of grant must follow the content type.
    cora.user_permissions.add(permissions["Response"], permissions["ExportRecord"])
    group = objects("auth", "Group").create(name="Reminder admins")
    group.permissions.add(permissions["Notification"], permissions["WorkerHeartbeat"])
    cora.groups.add(group)

    return {
        "people": {"cora": cora.pk, "pat": pat.pk, "sam": sam.pk},
        "content_types": content_types,
        "permissions": {name: perm.pk for name, perm in permissions.items()},
        "first": first.pk,
        "response": corrected.pk,
        "event": event.pk,
        "follow_up": follow_up.pk,
        "audit": audit.pk,
        "rows": _moved_rows(apps, moved=False),
    }


def _layouts(apps: Apps, seeded: dict[str, Any]) -> dict[str, str]:
    users = apps.get_model("accounts", "User").objects
    return {name: users.get(pk=pk).questionnaire_layout for name, pk in seeded["people"].items()}


def _assert_moved_intact(apps: Apps, seeded: dict[str, Any]) -> None:
    """After the move: every row as it was, readable through the new apps' models."""
    after = _columns_of_before(_moved_rows(apps, moved=True), seeded["rows"])
    assert {name: len(rows) for name, rows in after.items()} == {
        "Assessment": 1,
        "Response": 2,
        "HistoricalResponse": 3,
        "SafetyEvent": 1,
        "HistoricalSafetyEvent": 2,
        "Notification": 5,
        "Preferences": 2,
        "HistoricalPreferences": 3,
        "WorkerHeartbeat": 1,
        "ExportRecord": 2,
    }
    assert after == seeded["rows"]
    for old, name in MOVED:
        with pytest.raises(LookupError):
            apps.get_model(old, name)

    # The relations are wired in the new picture, across apps, to the same rows.
    response = apps.get_model("questionnaires", "Response").objects.get(pk=seeded["response"])
    assert response.answers == PHQ9_CORRECTED
    assert (response.mode, response.version, response.submitted_at) == ("phone", 2, NOW)
    assert response.supersedes.answers == PHQ9
    assert response.assessment.enrollment.user.email == "pat@example.org"
    assert response.entered_by.email == "cora@example.org"
    event = response.safety_events.get()
    assert (event.pk, event.flag, event.flag_value) == (seeded["event"], "item9_positive", True)
    assert event.acknowledged_by_id == seeded["people"]["cora"]
    notifications = apps.get_model("notifications", "Notification").objects
    alert = notifications.get(safety_event=event)
    assert (alert.status, alert.message_id) == ("sent", "<safety-1@stillwater.example.org>")
    assert alert.handed_over_at == NOW + dt.timedelta(seconds=1)
    follow_up = notifications.get(kind="follow_up_todo").follow_up
    assert (follow_up.pk, follow_up.enrollment.participant_code) == (seeded["follow_up"], "P-001")
    assert notifications.get(kind="invitation").invitation.email == "new@example.org"
    assert notifications.get(kind="session_24h").scheduled_session.duration_minutes == 150
    assert notifications.get(kind="questionnaire_closing").assessment.instruments == [
        "phq9",
        "gad7",
    ]
    prefs = apps.get_model("notifications", "Preferences").objects.get(
        user__email="pat@example.org"
    )
    assert (prefs.practice_nudge_time, prefs.daily_cap) == (dt.time(7, 30), 5)
    export = apps.get_model("reports", "ExportRecord").objects.get(organization__slug="riverside")
    assert (export.user.email, export.row_count, export.filters) == (
        "cora@example.org",
        12,
        {"cohort": response.assessment.enrollment.cohort_id},
    )

    # History through the new historical models, pointing at the same objects.
    history = apps.get_model("questionnaires", "HistoricalResponse").objects
    assert list(
        history.filter(id=seeded["first"]).order_by("history_id").values_list("history_type")
    ) == [("+",), ("~",)]
    assert history.get(id=seeded["response"]).supersedes_id == seeded["first"]
    assert (
        apps.get_model("questionnaires", "HistoricalSafetyEvent")
        .objects.get(id=seeded["event"], history_type="~")
        .history_user.email
        == "cora@example.org"
    )
    assert (
        apps.get_model("notifications", "HistoricalPreferences")
        .objects.filter(user__email="pat@example.org")
        .count()
        == 2
    )

    # Each person's choice, now on the person; Cora never chose and keeps the default.
    assert _layouts(apps, seeded) == {"cora": "one_question", "pat": "whole", "sam": "one_question"}
    assert not any(
        field.name == LAYOUT
        for name in ("Preferences", "HistoricalPreferences")
        for field in apps.get_model("notifications", name)._meta.get_fields()
    )

    # Same content types (so the same permissions), under the new labels.
    content_types = apps.get_model("contenttypes", "ContentType").objects
    for (old, name), new in [*MOVED.items(), *((staying, staying[0]) for staying in STAYING)]:
        ct = content_types.get(pk=seeded["content_types"][name])
        assert (ct.app_label, ct.model) == (new, name.lower()), name
        assert not content_types.filter(app_label=old, model=ct.model).exclude(pk=ct.pk).exists()
    permissions = apps.get_model("auth", "Permission").objects
    for name, pk in seeded["permissions"].items():
        assert permissions.get(pk=pk).content_type_id == seeded["content_types"][name]


def _assert_tables_match_the_models(apps: Apps) -> None:
    """The kept tables have the columns, indexes and constraints the new models name: none
    missing (a later migration could not alter them) and no column left over."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for (_old, name), new in MOVED.items():
            meta = apps.get_model(new, name)._meta
            columns = introspection.get_table_description(cursor, meta.db_table)
            assert {c.name for c in columns} == {f.column for f in meta.concrete_fields}, name
            named = {item.name for item in [*meta.indexes, *meta.constraints]}
            assert named <= set(introspection.get_constraints(cursor, meta.db_table)), name


def _assert_the_app_sees_it(seeded: dict[str, Any]) -> None:
    """The project's own models (the code that runs) read the moved data and permissions."""
    ContentType.objects.clear_cache()
    cora = User.objects.get(pk=seeded["people"]["cora"])
    assert {
        perm
        for perm in cora.get_all_permissions()
        if perm.split(".")[0] in {"questionnaires", "notifications", "reports", "program_sessions"}
    } == {
        "questionnaires.view_response",
        "reports.view_exportrecord",
        "notifications.view_notification",
        "notifications.view_workerheartbeat",
    }
    assert Permission.objects.get(pk=seeded["permissions"]["Response"]).content_type == (
        ContentType.objects.get_for_model(Response)
    )
    response = Response.objects.get(pk=seeded["response"])
    assert [h.history_type for h in response.history.all()] == ["+"]
    assert response.safety_events.get().flag == "item9_positive"
    assert User.objects.get(pk=seeded["people"]["pat"]).questionnaire_layout == "whole"
    assert Preferences.objects.get(user_id=seeded["people"]["pat"]).history.count() == 2


def _assert_audit_log_still_append_only(apps: Apps, seeded: dict[str, Any]) -> None:
    for statement in (
        "UPDATE accounts_auditevent SET action = 'login' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
        "TRUNCATE accounts_auditevent",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [seeded["audit"]] if "%s" in statement else None)
    audit = apps.get_model("accounts", "AuditEvent").objects.get(pk=seeded["audit"])
    assert audit.action == "export"


def test_the_move_keeps_every_row_history_choice_and_permission(postgresql, migrator):
    seeded = _seed(_to_old_state(migrator).apps)

    new_state = migrator.apply_tested_migration(_leaves())

    _assert_moved_intact(new_state.apps, seeded)
    _assert_tables_match_the_models(new_state.apps)
    _assert_audit_log_still_append_only(new_state.apps, seeded)
    _assert_the_app_sees_it(seeded)
    # The tables' id sequences go on after the rows they kept.
    heartbeat = new_state.apps.get_model("notifications", "WorkerHeartbeat").objects.create(
        name="notifications.sweep", beat_at=NOW
    )
    assert heartbeat.pk > max(row["id"] for row in seeded["rows"]["WorkerHeartbeat"])


def test_the_move_can_be_undone_and_done_again(postgresql, migrator):
    seeded = _seed(_to_old_state(migrator).apps)
    migrator.apply_tested_migration(_leaves())

    back = migrator.apply_tested_migration(_old_targets())

    assert _moved_rows(back.apps, moved=False) == seeded["rows"]
    # The choice goes back to the reminder settings from the person.
    assert dict(
        back.apps.get_model("program_sessions", "Preferences").objects.values_list(
            "user__email", LAYOUT
        )
    ) == {"pat@example.org": "whole", "sam@example.org": "one_question"}
    content_types = back.apps.get_model("contenttypes", "ContentType").objects
    for (old, name), _ in MOVED.items():
        ct = content_types.get(pk=seeded["content_types"][name])
        assert (ct.app_label, ct.model) == (old, name.lower()), name

    again = migrator.apply_tested_migration(_leaves())

    _assert_moved_intact(again.apps, seeded)


def test_the_demo_data_can_be_made_after_the_move(postgresql, migrator, settings):
    seeded = _seed(_to_old_state(migrator).apps)
    migrator.apply_tested_migration(_leaves())
    settings.DEBUG = True  # seed_demo refuses to run without it

    call_command("seed_demo", participants=3, stdout=StringIO())

    demo = Response.objects.exclude(pk__in=[seeded["first"], seeded["response"]])
    assert demo.filter(assessment__enrollment__cohort__organization__slug="demo").exists()
    # Next to the rows from before the move, which stay as they were; but the demo's safety
    # alert goes out at once, and the dispatch hands out every reminder due, ours included.
    sending = {"status", "attempts", "queued_at", "claimed_at", "handed_over_at", "sent_at"}
    sending |= {"message_id", "last_error", "updated_at"}
    after = _columns_of_before(_moved_rows(project_apps, moved=True), seeded["rows"])
    for name, rows in seeded["rows"].items():
        drop = sending if name == "Notification" else set()
        before = [_without(row, drop) for row in rows]
        kept = [_without(row, drop) for row in after[name]]
        assert [row for row in kept if row in before] == before, name


def _without(row: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {field: value for field, value in row.items() if field not in fields}


def _columns_of_before(
    after: dict[str, list[dict[str, Any]]], before: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Rows cut down to the columns they had before the move: a column a later migration adds
    (with its default) is that migration's business, not the move's."""
    columns = {name: set(rows[0]) for name, rows in before.items() if rows}
    return {
        name: [
            {field: value for field, value in row.items() if field in columns.get(name, row)}
            for row in rows
        ]
        for name, rows in after.items()
    }
