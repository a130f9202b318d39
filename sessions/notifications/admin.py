from django.contrib import admin

from sessions.notifications.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin[WorkerHeartbeat]):
    list_display = ["name", "beat_at", "count"]
    readonly_fields = ["name", "beat_at", "count"]
