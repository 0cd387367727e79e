"""Django admin: tracing teams and clusters (reference data). Cases, contacts and follow-ups are
personal data: they are reached only through the scoped, audited pages and API, never here."""

from django.contrib import admin

from outbreakhq.tracing.models import Cluster, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "area")
    search_fields = ("name", "area__code", "area__name_en")
    autocomplete_fields = ("area",)
    filter_horizontal = ("members",)


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("name", "place", "area", "created_at")
    search_fields = ("name", "place", "area__code")
    autocomplete_fields = ("area",)
    exclude = ("tenant",)

    def save_model(self, request, obj, form, change):
        obj.tenant_id = obj.area.tenant_id  # a cluster belongs to its area's tree
        super().save_model(request, obj, form, change)
