"""Saved column mappings: stored per area and kind, shared with everyone working in that area
or below it (a prefecture's mapping serves its counties), and found by name from the CLI."""

from __future__ import annotations

from pathlib import Path

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import PATH_SEP, Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas
from outbreakhq.core.scoped import require
from outbreakhq.interop.fields import IGNORE, as_mapping, fields_of, load_mapping_file
from outbreakhq.interop.models import ImportMapping
from outbreakhq.interop.registry import importer_for


def mappings_for(actor: Actor, kind: str | None = None) -> QuerySet[ImportMapping]:
    """Mappings saved in the user's areas, below them, or above them (shared down the tree)."""
    query = Q(pk__in=[])
    capability = importer_for(kind).capability if kind else Can.MANAGE_CASE
    for area in scope_areas(actor, capability):
        codes = [c for c in area.path.split(PATH_SEP) if c]
        query |= Q(area__path__startswith=area.path) | Q(area__code__in=codes)
    rows = ImportMapping.objects.filter(query).select_related("area")
    return rows.filter(kind=kind) if kind else rows


def save_mapping(*, actor: Actor, name: str, kind: str, mapping: dict,
                 area: Area) -> ImportMapping:
    """Create or replace the mapping called `name` for this kind of file in `area`: its
    columns, constants and value tables (either JSON shape, fields.Mapping)."""
    name = name.strip()
    fields = fields_of(kind)
    parsed = as_mapping(mapping)
    targets = [(column, target) for column, keys in parsed.columns.items() for target in keys]
    targets += [(key, key) for key in (*parsed.constants, *parsed.values)]
    errors = [FieldError(column, _("%(field)r is not a field of %(kind)s imports")
                         % {"field": target, "kind": kind})
              for column, target in targets if target != IGNORE and target not in fields]
    mapping = parsed.as_data()
    if not name:
        errors.append(FieldError("name", _("is required")))
    if errors:
        raise InvalidInput(_("The mapping was not saved."), errors)
    require(actor, importer_for(kind).capability, area, what="import_mapping")
    saved, created = ImportMapping.objects.update_or_create(
        area=area, kind=kind, name=name,
        defaults={"mapping": mapping, "created_by": actor.user if actor.is_authenticated else None})
    audit.record(actor=actor, action="create" if created else "change",
                 object_type="import_mapping", object_id=saved.pk, area=area,
                 detail={"name": name, "kind": kind})
    return saved


def resolve_mapping(actor: Actor, kind: str, reference: str) -> dict[str, str]:
    """The CLI's --mapping: a JSON or TOML file if one exists at that path, else the name of a
    saved mapping the actor may use."""
    path = Path(reference)
    if path.is_file():
        file_kind, mapping = load_mapping_file(path)
        if file_kind is not None and file_kind != kind:
            raise InvalidInput(_("The mapping file is for %(file)s, not %(kind)s.")
                               % {"file": file_kind, "kind": kind})
        return mapping
    saved = mappings_for(actor, kind).filter(name=reference).order_by("-area__depth").first()
    if saved is None:
        raise InvalidInput(_("No mapping file at %(ref)s and no saved %(kind)s mapping of that "
                             "name.") % {"ref": reference, "kind": kind})
    return dict(saved.mapping)
