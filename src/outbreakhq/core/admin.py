"""Django admin: areas, key groups and users' assignments are editable; the audit trail is not."""

from django.contrib import admin

from outbreakhq.core.models import (
    ApiToken,
    Area,
    Assignment,
    AuditEvent,
    DismissedPair,
    KeyGroup,
    PersonMerge,
)
from outbreakhq.core.two_factor import AdminLoginForm

admin.site.login_form = AdminLoginForm  # no session on a password alone for two-factor users


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "level", "population", "path")
    search_fields = ("code", "name_en", "name_zh")
    list_filter = ("level",)
    readonly_fields = ("code", "path", "depth", "root", "parent")  # the path is made of codes

    def has_add_permission(self, request):
        return False  # areas come from the CSV import, which keeps paths consistent


@admin.register(KeyGroup)
class KeyGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "area")
    list_filter = ("role",)
    autocomplete_fields = ("area",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "digest", "user", "name", "expires_at", "last_used_at")

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs kept for the record: readable by administrators, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "action", "object_type", "object_id", "area_path", "ip")
    list_filter = ("action", "object_type", "channel")


@admin.register(PersonMerge)
class PersonMergeAdmin(ReadOnlyAdmin):
    list_display = ("id", "kept_id", "merged_id", "by_username", "at")


@admin.register(DismissedPair)
class DismissedPairAdmin(ReadOnlyAdmin):
    list_display = ("id", "person_low", "person_high", "by", "at")
