from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from .models import ExportRecord, Invitation, Membership, Organization, User


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


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "slug", "support_email"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    autocomplete_fields = ["user"]


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
    search_fields = ["actor", "checksum"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ExportRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ExportRecord | None = None) -> bool:
        return False
