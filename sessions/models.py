"""What happens over time. For now: the worker heartbeat that proves background work runs."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a named periodic job ran, so staff can see that reminders are flowing."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S %Z}"
