"""Organizations' own programs in the Django admin: to look, never to change. Coordinators edit
them in the program editor, which keeps drafts apart from published versions and records every
change in the history; an edit here would bypass both."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ProgramChange, ProgramLine, ProgramVersion, Recording


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProgramLine)
class ProgramLineAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "source", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["organization", "source"]
    search_fields = ["name"]


@admin.register(ProgramVersion)
class ProgramVersionAdmin(ReadOnlyAdmin):
    list_display = ["line", "number", "program", "published_at", "published_by"]
    list_select_related = ["line", "program", "published_by"]
    list_filter = ["line__organization"]


@admin.register(ProgramChange)
class ProgramChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "line", "user", "action", "subject"]
    list_select_related = ["line", "user"]
    list_filter = ["action", "line__organization"]
    search_fields = ["subject"]


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ["title", "program", "practice_code", "duration_seconds", "created_at"]
    list_select_related = ["program"]
    search_fields = ["title"]
    exclude = ["file"]
