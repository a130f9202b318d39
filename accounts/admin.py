from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from .audit import audit_record
from .models import (
    AuditAction,
    AuditEvent,
    ConsentRecord,
    ErasureRequest,
    Invitation,
    Membership,
    Organization,
    User,
)


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "timezone", "is_active", "is_staff"]
    search_fields = ["email", "full_name", "preferred_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "preferred_name", "timezone", "language", "phone")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        # Roles given or taken in the user's page are recorded like those on the membership page.
        # Read from the database: the formset's instances already carry the posted values.
        before = dict(Membership.objects.filter(user_id=form.instance.pk).values_list("pk", "role"))
        super().save_formset(request, form, formset, change)
        for membership in [*formset.new_objects, *(obj for obj, _ in formset.changed_objects)]:
            _record_role_change(request, membership, before.get(membership.pk))
        for membership in formset.deleted_objects:
            # Deleted by now (no primary key left); the instance still holds the role it had.
            _record_role_change(request, membership, membership.role, removed=True)


def _record_role_change(
    request: HttpRequest, membership: Membership, before: str | None, *, removed: bool = False
) -> None:
    if not removed and before == membership.role:
        return
    audit_record(
        request=request,
        actor=request.user,
        action=AuditAction.ROLE_CHANGED,
        obj=membership,
        organization=membership.organization,
        details={
            "person": membership.user.email,
            "from": before or None,
            "to": None if removed else membership.role,
            "via": "admin",
        },
    )


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "slug", "support_email"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    autocomplete_fields = ["user"]

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        before = Membership.objects.filter(pk=obj.pk).values_list("role", flat=True).first()
        super().save_model(request, obj, form, change)
        _record_role_change(request, obj, before)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        _record_role_change(request, obj, obj.role, removed=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user", "organization"):
            _record_role_change(request, membership, membership.role, removed=True)
        super().delete_queryset(request, queryset)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["organization", "role"]
    # The token itself is never stored; its digest is useless to an admin.
    exclude = ["token_hash"]
    readonly_fields = ["accepted_at", "accepted_by", "invited_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """The audit log for site operators: listed and searched, never added to, changed or deleted."""

    list_display = [
        "at",
        "action",
        "actor_email",
        "organization",
        "object_type",
        "object_id",
        "participant_codes",
        "details",
        "ip_address",
    ]
    list_filter = ["action", "organization"]
    search_fields = ["actor_email", "participant_codes", "object_id", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["organization"]
    # The list links to nothing: with no change permission there is no edit form to open.
    list_display_links = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


class _EvidenceAdmin(admin.ModelAdmin[Any]):
    """Records kept as evidence of what a person agreed to or asked for: read, never edited.

    Consent and erasure are handled in the app (the participant's consent page, a
    coordinator's erasure page, both audited); the admin only lets site operators look.
    """

    list_display_links = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(_EvidenceAdmin):
    list_display = ["accepted_at", "user", "version", "keep_research_data", "text_sha256"]
    list_filter = ["version", "keep_research_data"]
    list_select_related = ["user"]


@admin.register(ErasureRequest)
class ErasureRequestAdmin(_EvidenceAdmin):
    # The reason is left out: free text that may name the person until the request is done.
    list_display = ["requested_at", "user", "status", "completed_at", "completed_by_email"]
    list_filter = ["status"]
    list_select_related = ["user"]
