from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.models import Area
from outbreakhq.interop.registry import importer_for


class ImportMapping(models.Model):
    """A saved column mapping {file column: field}, reused by name for files of the same shape
    (each health authority's line list has its own headers). `kind` is a registered importer's
    (registry.py). The table is the one tracing created (migration 0007 moved the model here)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10)
    mapping = models.JSONField(_("columns"), default=dict)
    # The area whose users share the mapping: anyone whose scope includes it may use it.
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tracing_importmapping"
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "kind", "name"],
                                               name="import_mapping_name")]

    def __str__(self) -> str:
        return self.name

    def get_kind_display(self) -> str:
        return str(importer_for(self.kind).label)
