"""The worker settings that keep reminders from being lost or sent twice."""

from __future__ import annotations

from config.celery import app
from config.settings import base


def test_tasks_survive_a_dying_worker_and_are_taken_one_at_a_time():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"


def test_a_task_is_stopped_before_redis_would_hand_it_to_another_worker():
    assert (
        base.CELERY_TASK_SOFT_TIME_LIMIT
        < base.CELERY_TASK_TIME_LIMIT
        < base.REDIS_VISIBILITY_TIMEOUT / 2
    )


def test_beat_records_a_heartbeat_every_minute():
    entry = app.conf.beat_schedule["record-heartbeat"]
    assert entry["task"] == "sessions.tasks.record_heartbeat"
    assert entry["schedule"] == 60.0
    # What a starting worker does: import every app's tasks module.
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_a_worker_that_loses_the_broker_lets_running_sends_finish():
    # Killing them left claimed reminders that could only become "unknown" (issue 12, point 5);
    # the outbox's claim makes the task's possible second run harmless instead.
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is False


def test_task_names_never_change():
    # Queued messages and the beat schedule carry these names; renaming a task strands them.
    from sessions.notifications.services.delivery import DELIVER_TASK
    from sessions.notifications.tasks import (
        deliver_notification,
        record_heartbeat,
        tick_notifications,
    )

    assert record_heartbeat.name == "sessions.tasks.record_heartbeat"
    assert tick_notifications.name == "sessions.tasks.tick_notifications"
    assert deliver_notification.name == DELIVER_TASK
    assert DELIVER_TASK == "sessions.tasks.deliver_notification"
    assert app.conf.beat_schedule["tick-notifications"]["task"] == tick_notifications.name


def test_the_dispatcher_finds_the_delivery_task_without_a_worker_starting():
    # The web process hands rows out too (a safety alert, 'send now'); the app registers the
    # tasks when Django starts, so the dispatcher can reach the task by name.
    from sessions.notifications.services.delivery import DELIVER_TASK

    assert DELIVER_TASK in app.tasks


def test_no_import_cycle_in_the_notifications_app():
    # services/__init__ -> delivery -> tasks -> services was one; lazy imports count too.
    import grimp

    graph = grimp.build_graph("sessions")
    modules = {m for m in graph.modules if m.startswith("sessions.notifications")}
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            assert not graph.chain_exists(importer=imported, imported=module), (module, imported)
