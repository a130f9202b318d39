"""Studies in the admin: read-only, for site operators. Allocations are never added, changed or
deleted here (a correction is a record made on the study page, with a reason). Allocation slots
are not registered at all: their sealed content is the concealed sequence."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from sessions.trials.models import Allocation, AllocationCorrection, Study, StudyArm


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class StudyArmInline(admin.TabularInline):
    model = StudyArm
    fields = ("label", "code", "ratio", "enrollment_arm", "is_comparator", "what_happens_next")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Study)
class StudyAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "program", "created_at"]
    list_filter = ["organization", "program"]
    list_select_related = ["organization", "program"]
    # Only fields that say nothing about the sequence: no slots, no inline of them.
    fields = ["name", "organization", "program", "strata", "block_sizes", "cohorts", "created_by"]
    inlines = [StudyArmInline]


@admin.register(StudyArm)
class StudyArmAdmin(ReadOnlyAdmin):
    list_display = ["label", "study", "ratio", "enrollment_arm", "is_comparator"]
    list_select_related = ["study"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "study", "arm", "stratum_label", "block", "allocated_at"]
    list_filter = ["study"]
    list_select_related = ["enrollment", "study", "arm"]
    # The slot link is left out: its page would be the way to the sealed sequence.
    fields = [
        "study",
        "enrollment",
        "arm",
        "stratum_label",
        "block",
        "allocated_at",
        "allocated_by",
    ]


@admin.register(AllocationCorrection)
class AllocationCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["allocation", "arm_before", "arm_after", "corrected_by", "corrected_at"]
    # An allocation is shown as "<participant code> → <arm>".
    list_select_related = [
        "allocation__enrollment",
        "allocation__arm",
        "arm_before",
        "arm_after",
        "corrected_by",
    ]
