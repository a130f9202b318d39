"""Celery entry points: thin wrappers that call services."""

from celery import shared_task

from .services.heartbeat import heartbeat_record


@shared_task(name="sessions.tasks.record_heartbeat")
def record_heartbeat(name: str = "beat") -> int:
    """Record that the worker ran a beat-scheduled job (idempotent; at-least-once is harmless)."""
    return heartbeat_record(name=name).pk
