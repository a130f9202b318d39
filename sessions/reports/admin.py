from django.contrib import admin
from django.http import HttpRequest

from sessions.reports.models import ExportRecord


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin[ExportRecord]):
    """A log: readable by site operators, never edited, so it stays evidence."""

    list_display = [
        "created_at",
        "actor",
        "organization",
        "kind",
        "format",
        "identifiable",
        "row_count",
        "finished_at",
    ]
    list_filter = ["organization", "kind", "format", "identifiable", "source"]
    list_select_related = ["organization"]
    search_fields = ["actor", "checksum"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ExportRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ExportRecord | None = None) -> bool:
        return False
