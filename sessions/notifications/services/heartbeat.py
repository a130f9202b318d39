"""Writes for background work."""

from django.db.models import F
from django.utils import timezone

from sessions.notifications.models import WorkerHeartbeat


def heartbeat_record(*, name: str) -> WorkerHeartbeat:
    """Note that a periodic job ran now; safe to repeat (the row is updated, never duplicated)."""
    now = timezone.now()
    beat, created = WorkerHeartbeat.objects.get_or_create(
        name=name, defaults={"beat_at": now, "count": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=beat.pk).update(beat_at=now, count=F("count") + 1)
        beat.refresh_from_db()
    return beat
