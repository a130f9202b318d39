"""A real Celery worker, configured as in production, takes tasks from Redis and writes to PostgreSQL."""

from __future__ import annotations

import time

import pytest

from sessions.notifications.models import WorkerHeartbeat
from sessions.notifications.tasks import record_heartbeat

pytestmark = pytest.mark.integration


def test_worker_runs_a_task_sent_through_redis_and_its_effect_is_in_the_database(
    celery_worker, celery_on_redis
):
    with celery_on_redis.connection_for_write() as conn:
        record_heartbeat.apply_async(
            kwargs={"name": "integration"}, queue=celery_worker.queue, connection=conn
        )

    deadline = time.monotonic() + 30
    beat = WorkerHeartbeat.objects.filter(name="integration").first()
    while beat is None and time.monotonic() < deadline:
        time.sleep(0.2)
        beat = WorkerHeartbeat.objects.filter(name="integration").first()

    assert beat is not None, (
        "the worker did not record the heartbeat within 30 s; its output:\n"
        + celery_worker.output()
    )
    assert beat.count == 1, celery_worker.output()


def test_worker_acknowledges_tasks_late_so_a_crash_does_not_lose_them(
    celery_worker, celery_on_redis
):
    # Asked of the running worker, so this is what it does, not what a settings file says.
    with celery_on_redis.connection_for_write() as conn:
        replies = celery_on_redis.control.inspect(
            destination=[celery_worker.nodename], timeout=5, connection=conn
        ).registered("acks_late", "reject_on_worker_lost")

    assert replies, f"the worker did not answer; its output:\n{celery_worker.output()}"
    tasks = replies[celery_worker.nodename]
    assert "sessions.tasks.record_heartbeat [acks_late=True reject_on_worker_lost=True]" in tasks
    # Every task the project defines, not only the heartbeat.
    assert all(task.endswith(" [acks_late=True reject_on_worker_lost=True]") for task in tasks), (
        tasks
    )
