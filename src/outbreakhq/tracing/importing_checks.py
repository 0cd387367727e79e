"""Checks of parsed rows against the database: areas, scope, the stored cases, contacts and
people the rows refer to, cycles in the chains. Reads only; every lookup is batched (one query per
500 keys), so a 50,000-row file costs a few hundred queries, not one per row.

Each check appends FieldErrors naming the row and the file's column, and fills `row.refs` with
the objects the writer needs (area, existing record, matched person, source case).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext as _

from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, scope_areas
from outbreakhq.epi.chains import would_make_cycle
from outbreakhq.tracing.importing_rows import Row
from outbreakhq.tracing.models import Case, Contact, ContactType

CHUNK = 500


def chunks(values: Iterable, size: int = CHUNK) -> Iterable[list]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Checker:
    """Holds what one batch has looked up, so that each key is fetched once."""

    def __init__(self, *, by, columns: dict[str, str], area: Area | None,
                 capability: str = Can.CHANGE_PERSON):
        self.by = by
        self.capability = capability  # what writing the file's records needs (KIND_CAPABILITY)
        self.columns = columns
        self.default_area = area
        self.errors: list[FieldError] = []
        self._may: dict[tuple[str, int], bool] = {}
        self.tenant_id: int | None = area.tenant_id if area is not None else None

    def error(self, row: Row, key: str, message: str) -> None:
        self.errors.append(FieldError(self.columns.get(key, key), message, row.number))

    def may(self, capability: str, area: Area) -> bool:
        key = (capability, area.pk)
        if key not in self._may:
            self._may[key] = can(self.by, capability, area)
        return self._may[key]

    # -- the rows' own keys ------------------------------------------------------------------

    def unique(self, rows: list[Row], key: str) -> None:
        first: dict[object, int] = {}
        for row in rows:
            value = row.values.get(key)
            if value in (None, ""):
                continue
            if value in first:
                self.error(row, key, _("%(value)s repeats row %(row)d") % {
                    "value": value, "row": first[value]})
            else:
                first[value] = row.number

    def areas(self, rows: list[Row]) -> None:
        """Each row's home area: the file's code or the default area; in one tree, inside the
        default area's subtree, and where the user may register people."""
        codes = {r.values.get("home_area") for r in rows} - {None, ""}
        found = {a.code: a for chunk in chunks(codes) for a in Area.objects.filter(code__in=chunk)}
        for row in rows:
            code = row.values.get("home_area") or ""
            area = found.get(code) if code else self.default_area
            if area is None:
                self.error(row, "home_area", _("unknown area code %(code)r") % {"code": code}
                           if code else _("is empty, and no default area was chosen"))
                continue
            if self.tenant_id is None:
                self.tenant_id = area.tenant_id
            if area.tenant_id != self.tenant_id:
                self.error(row, "home_area", _("%(code)s lies in another jurisdiction tree than "
                                               "the rest of the file") % {"code": area.code})
            elif self.default_area is not None and not self.default_area.contains(area):
                self.error(row, "home_area", _("%(code)s lies outside %(area)s, the area chosen "
                                               "for this import") % {
                    "code": area.code, "area": self.default_area.code})
            elif not self.may(Can.CHANGE_PERSON, area) or not self.may(self.capability, area):
                self.error(row, "home_area", _("your role may not import these records in "
                                               "%(code)s") % {"code": area.code})
            row.refs["area"] = area

    def tenant_for_links(self) -> int:
        """A links file names no area: its tree is the chosen area's, or the user's only one."""
        if self.tenant_id is not None:
            return self.tenant_id
        trees = {a.tenant_id for a in scope_areas(self.by, Can.CHANGE_PERSON)}
        if len(trees) != 1:
            raise InvalidInput(_("Choose the area the links belong to (--area): your "
                                 "jurisdiction spans %(n)d trees.") % {"n": len(trees)})
        self.tenant_id = trees.pop()
        return self.tenant_id

    # -- stored records ----------------------------------------------------------------------

    def stored(self, model, external_ids: Iterable[str]) -> dict[str, object]:
        related = ("person", "area", "source_case") if model is Case else \
            ("person", "area", "source_case", "source_contact")
        found = {}
        for chunk in chunks({e for e in external_ids if e}):
            for record in model.objects.filter(tenant_id=self.tenant_id, external_id__in=chunk) \
                    .select_related(*related):
                found[record.external_id] = record
        return found

    def existing(self, rows: list[Row], model) -> None:
        """The stored record each row updates, which the user must be allowed to change."""
        stored = self.stored(model, (r.values.get("external_id") for r in rows))
        for row in rows:
            record = stored.get(row.values.get("external_id"))
            if record is None:
                continue
            if not self.may(self.capability, record.area):
                self.error(row, "external_id", _("%(id)s is a record outside your jurisdiction")
                           % {"id": record.external_id})
            row.refs["record"] = record

    def people(self, rows: list[Row]) -> None:
        """Match new records to people already registered in the tree with the same document,
        so that a re-import or a second file does not register the same person twice."""
        numbers = {r.values.get("id_number") for r in rows if "record" not in r.refs} - {None, ""}
        found: dict[tuple[str, str], Person] = {}
        for chunk in chunks(numbers):
            for person in Person.objects.filter(tenant_id=self.tenant_id, id_number__in=chunk) \
                    .select_related("home_area").order_by("-pk"):
                found[(person.id_type, person.id_number)] = person  # the oldest wins
        for row in rows:
            if "record" in row.refs or not row.values.get("id_number"):
                continue
            person = found.get((row.values.get("id_type"), row.values["id_number"]))
            if person is None:
                continue
            if not self.may(Can.CHANGE_PERSON, person.home_area):
                self.error(row, "id_number", _("this person is registered in %(code)s, outside "
                                               "your jurisdiction") % {
                    "code": person.home_area.code})
            row.refs["person"] = person

    def source_cases(self, rows: list[Row], key: str, *, in_file: set[str]) -> dict[str, Case]:
        """Stored cases named in column `key` (those in the file itself need no lookup)."""
        wanted = {r.values.get(key) for r in rows} - {None, ""} - in_file
        stored = self.stored(Case, wanted)
        for row in rows:
            name = row.values.get(key)
            if not name or name in in_file:
                continue
            case = stored.get(name)
            if case is None:
                self.error(row, key, _("unknown source case %(id)r: import it first, or correct "
                                       "the id") % {"id": name})
            elif not self.may(Can.VIEW_PERSON, case.area):
                self.error(row, key, _("case %(id)s lies outside your jurisdiction")
                           % {"id": name})
            else:
                row.refs[key] = case
        return stored

    def repeated_contacts(self, rows: list[Row]) -> None:
        """A person is a contact of one source once (the services' rule): refuse a new row whose
        person is already this source's contact, stored or further up the file."""
        new = [r for r in rows if "record" not in r.refs]
        people = {r.refs["person"].pk for r in new if "person" in r.refs}
        cases = {r.refs["source_case"].pk for r in new if "source_case" in r.refs}
        stored = {(p, c): e for chunk in chunks(people) for p, c, e in Contact.objects.filter(
            person_id__in=chunk, source_case_id__in=cases).values_list(
            "person_id", "source_case_id", "external_id")}
        first: dict[tuple, int] = {}
        for row in new:
            person, case = row.refs.get("person"), row.refs.get("source_case")
            if person is not None and case is not None and (person.pk, case.pk) in stored:
                self.error(row, "name", _("is already a contact of case %(case)s (stored as "
                                          "%(id)s); give that id to update it") % {
                    "case": case.external_id, "id": stored[person.pk, case.pk] or "—"})
            who = row.values.get("id_number") and (row.values.get("id_type"),
                                                   row.values["id_number"])
            source = row.values.get("source_case") or ("contact", row.values.get("source_contact"))
            if who and (who, source) in first:
                self.error(row, "name", _("is the same person, with the same source, as row "
                                          "%(row)d") % {"row": first[who, source]})
            elif who:
                first[who, source] = row.number


class Chains:
    """Who infected whom, stored links overlaid with the batch's: refuses a cycle."""

    def __init__(self, tenant_id: int):
        self.tenant_id = tenant_id
        self.overlay: dict[str, str | None] = {}
        self._stored: dict[str, str | None] = {}

    def _source_of(self, node: str) -> str | None:
        if node in self.overlay:
            return self.overlay[node]
        if node not in self._stored:
            source = Case.objects.filter(tenant_id=self.tenant_id, external_id=node) \
                .values_list("source_case__external_id", "source_case_id").first()
            # A source without an external id is a chain end for imports: no file can name it.
            self._stored[node] = (source[0] or f"#{source[1]}") if source and source[1] else None
        return self._stored[node]

    def link(self, infectee: str, infector: str) -> bool:
        """Record the link unless it closes a loop; returns whether it was recorded."""
        if infectee == infector or would_make_cycle(self._source_of, infectee=infectee,
                                                    infector=infector):
            return False
        self.overlay[infectee] = infector
        return True


def contact_is_the_case(row: Row, case: Case) -> bool:
    """The same person as the source case: matched, stored, or the same document number."""
    person = row.refs.get("person") or getattr(row.refs.get("record"), "person", None)
    if person is not None and person.pk == case.person_id:
        return True
    number = row.values.get("id_number")
    return bool(number) and (row.values.get("id_type"), number) == (
        case.person.id_type, case.person.id_number)


def exposed_after_report(row: Row, key: str, report: date) -> bool:
    """A contact exposed after the case was reported (and so isolated) is a typing error; health
    care staff treating the case are the exception."""
    exposed = row.values.get(key)
    return isinstance(exposed, date) and exposed > report and \
        row.values.get("contact_type") != ContactType.HEALTH_CARE

