"""Django admin for site staff: program content is edited here; cohorts and enrollments mostly are not."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Cohort, Enrollment, MeasurementPoint, Program, ProgramSession


class ProgramSessionInline(admin.StackedInline):
    model = ProgramSession
    extra = 0
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


class MeasurementPointInline(admin.TabularInline):
    model = MeasurementPoint
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "delivery", "completion_threshold", "is_active"]
    list_filter = ["delivery", "is_active"]
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
        "is_active",
    ]
    inlines = [ProgramSessionInline, MeasurementPointInline]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    """Cohorts are set up on the coordinators' pages, which also build and move their sessions.

    Here only the name and facilitators change: a meeting pattern edited in the admin would
    leave the scheduled sessions behind.
    """

    list_display = ["name", "organization", "program", "start_date", "timezone"]
    list_filter = ["organization", "program"]
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
