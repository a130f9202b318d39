"""`manage.py notifications status` and `manage.py notifications dispatch --dry-run`: the outbox at a glance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count
from django.utils import timezone

from sessions.notifications.models import Notification, NotificationStatus
from sessions.notifications.services.delivery import notifications_tick
from sessions.notifications.services.planning.run import PLANNERS

# Pending this long after its send time means the dispatcher or the workers are not keeping up.
OVERDUE_AFTER = dt.timedelta(minutes=10)


class Command(BaseCommand):
    help = "Show the outbox's state, or what would be sent now (dispatch --dry-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Counts of pending, overdue, failed and unknown messages.")
        dispatch = sub.add_parser("dispatch", help="Plan and hand out what is due now.")
        dispatch.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would go out now and to whom, and change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            self._status()
        elif options["dry_run"]:
            self._dry_run()
        else:
            counts = notifications_tick()
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))

    def _status(self) -> None:
        now = timezone.now()
        by_status = dict(
            Notification.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        overdue = Notification.objects.filter(
            status=NotificationStatus.PENDING, send_at__lt=now - OVERDUE_AFTER
        ).count()
        lines = [
            ("pending", by_status.get(NotificationStatus.PENDING, 0)),
            ("overdue (pending > 10 min past due)", overdue),
            ("sending", by_status.get(NotificationStatus.SENDING, 0)),
            ("failed", by_status.get(NotificationStatus.FAILED, 0)),
            ("unknown", by_status.get(NotificationStatus.UNKNOWN, 0)),
            ("sent", by_status.get(NotificationStatus.SENT, 0)),
        ]
        for label, value in lines:
            self.stdout.write(f"{label}: {value}")

    def _dry_run(self) -> None:
        now = timezone.now()
        due = list(
            Notification.objects.due(now).select_related("recipient").order_by("send_at", "pk")
        )
        planned = [row for planner in PLANNERS for row in planner(now=now)]
        known = set(
            Notification.objects.filter(dedupe_key__in=[r.dedupe_key for r in planned]).values_list(
                "dedupe_key", flat=True
            )
        )
        new = [r for r in planned if r.dedupe_key not in known and r.send_at <= now]
        new = [r for r in new if r.status == NotificationStatus.PENDING]
        if not due and not new:
            self.stdout.write("Nothing would go out now.")
            return
        for row in [*due, *new]:
            self.stdout.write(
                f"{row.send_at:%Y-%m-%d %H:%M} UTC  {row.get_kind_display()}  to {row.recipient.email}"
                + ("" if row.pk else "  (new)")
            )
        self.stdout.write(
            f"{len(due) + len(new)} message(s) would go out now. Nothing was changed."
        )
