"""Django admin for site staff, mostly to look: programs are edited by coordinators in
Stillwater's own pages (programs.authoring), cohorts and enrollments on the coordinators' pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Cohort, Enrollment, MeasurementPoint, Program, ProgramSession


class ReadOnlyInline(admin.options.InlineModelAdmin):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProgramSessionInline(ReadOnlyInline, admin.StackedInline):
    model = ProgramSession
    fields = [
        ("number", "title"),
        "aims",
        "material",
        "practices",
        "home_practice",
        "reflection_prompt",
        ("default_modality", "default_minutes"),
        "adaptations",
        ("optional", "schedule_after"),
        "fidelity_items",
    ]


class MeasurementPointInline(ReadOnlyInline, admin.TabularInline):
    model = MeasurementPoint


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """Read-only, every program: a shipped original is the same for every organization (a
    change here would reach cohorts running it), a published version is frozen for the cohorts
    that run it, and a draft is edited by its organization's coordinators in the program
    editor, which records each change in the program's history."""

    list_display = ["name", "organization", "status", "delivery", "is_active"]
    list_filter = ["status", "delivery", "is_active"]
    list_select_related = ["organization"]
    search_fields = ["name", "slug"]
    # practices and strategies are JSON lists; the admin edits them as JSON text.
    fields = [
        ("name", "slug"),
        "summary",
        ("delivery", "cadence_days"),
        ("completion_threshold", "default_session_minutes"),
        "log_kind",
        "practices",
        "strategies",
        ("organization", "status", "is_active"),
        "reminder_wording",
    ]
    inlines = [ProgramSessionInline, MeasurementPointInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    """Cohorts are set up on the coordinators' pages, which also build and move their sessions.

    Here only the name and facilitators change: a meeting pattern edited in the admin would
    leave the scheduled sessions behind.
    """

    list_display = ["name", "organization", "program", "start_date", "timezone"]
    list_filter = ["organization", "program"]
    list_select_related = ["organization", "program"]
    search_fields = ["name"]
    filter_horizontal = ["facilitators"]
    readonly_fields = [
        "organization",
        "program",
        "start_date",
        "meeting_weekday",
        "meeting_time",
        "timezone",
        "default_modality",
        "place",
        "video_link",
        "phone_instructions",
        "skip_dates",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Read-only: enrolling, changing and withdrawing go through the coordinators' pages."""

    list_display = ["participant_code", "cohort", "arm", "status", "invited_at", "activated_at"]
    list_filter = ["status", "arm", "cohort__organization"]
    search_fields = ["participant_code", "user__email", "cohort__name"]
    list_select_related = ["cohort", "cohort__program"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
