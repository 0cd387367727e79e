"""Checks of parsed rows against the database: areas, scope, the stored cases, contacts and
people the rows refer to, cycles in the chains. Reads only; every lookup is batched (one query per
500 keys), so a 50,000-row file costs a few hundred queries, not one per row.

Each check appends FieldErrors naming the row and the file's column, and fills `row.refs` with
the objects the writer needs (area, existing record, matched person, source case).

Security (issue 7): a file says nothing about people or records outside the importer's scope,
or an import (or its preview, run over a file of guessed numbers) would be an oracle of who is
registered where. A person registered elsewhere with the row's document is not matched: the row
registers a new person in the importer's area, exactly as for a document nobody has, and the
administrators whose scope covers both see the pair on the Duplicates page (core/dedup.py). A
source case, source contact or link end outside the scope is "unknown", in the same words as one
that does not exist. Only an external id cannot be made to look free when a record outside the
scope holds it (unique per tree): that refusal names neither the record nor where it lies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, scope_areas
from outbreakhq.epi.chains import would_make_cycle
from outbreakhq.interop.rows import Row
from outbreakhq.tracing import rules
from outbreakhq.tracing.models import Case, Contact

CHUNK = 500


def chunks(values: Iterable, size: int = CHUNK) -> Iterable[list]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Checker:
    """Holds what one batch has looked up, so that each key is fetched once."""

    def __init__(self, *, actor, columns: dict[str, str], area: Area | None,
                 capability: str = Can.CHANGE_PERSON):
        self.actor = actor
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
            self._may[key] = can(self.actor, capability, area)
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
        trees = {a.tenant_id for a in scope_areas(self.actor, Can.CHANGE_PERSON)}
        if len(trees) != 1:
            raise InvalidInput(_("Choose the area the links belong to (--area): your "
                                 "jurisdiction spans %(n)d trees.") % {"n": len(trees)})
        self.tenant_id = trees.pop()
        return self.tenant_id

    # -- stored records ----------------------------------------------------------------------

    def stored(self, model, external_ids: Iterable[str]) -> dict[str, object]:
        """Stored records by the name a file gives them: the external id, or for a record
        without one, "#<record number>" as our exports write it (a record the user may view;
        of any other, a file says nothing). A stored external id "#12" (a record imported from
        another database's export) wins over record number 12."""
        related = ("person", "area", "source_case") if model is Case else \
            ("person", "area", "source_case", "source_contact")
        wanted = {e for e in external_ids if e}
        found = {}
        for chunk in chunks(wanted):
            for record in model.objects.filter(tenant_id=self.tenant_id, external_id__in=chunk) \
                    .select_related(*related):
                found[record.external_id] = record
        numbers = {number_in(e) for e in wanted - set(found)} - {None}
        for chunk in chunks(numbers):
            for record in model.objects.visible_to(self.actor, Can.VIEW_PERSON).filter(
                    tenant_id=self.tenant_id, external_id="", pk__in=chunk) \
                    .select_related(*related):
                found[ref_of(record)] = record
        return found

    def visible(self, found: dict[str, object]) -> dict[str, object]:
        """The stored records the user may see: any other is answered as unknown."""
        return {key: record for key, record in found.items()
                if self.may(Can.VIEW_PERSON, record.area)}

    def existing(self, rows: list[Row], model) -> None:
        """The stored record each row updates, which the user must be allowed to change."""
        stored = self.stored(model, (r.values.get("external_id") for r in rows))
        for row in rows:
            record = stored.get(row.values.get("external_id"))
            if record is None:
                continue
            if not self.may(Can.VIEW_PERSON, record.area):
                # External ids are unique per tree, so this row cannot be stored as new; the
                # refusal must not tell where the record lies, or whose it is. Nothing of the
                # record is compared with the row (no "update" listing what differs).
                self.error(row, "external_id", _(
                    "%(id)s is already used by another record in this jurisdiction tree; "
                    "external ids are unique there, so give this row another id")
                    % {"id": record.external_id})
                row.refs["taken"] = True
                continue
            if not self.may(self.capability, record.area):
                self.error(row, "external_id", _("you may see %(id)s but not change it")
                           % {"id": ref_of(record)})
            elif not record.external_id and not same_person(row, record.person):
                # "#12" from another database's export: here record 12 is someone else.
                self.error(row, "external_id", _(
                    "%(id)s is another person's record in this database; if the file comes "
                    "from another database, give this row an external id of its own")
                    % {"id": ref_of(record)})
                continue
            row.refs["record"] = record

    def people(self, rows: list[Row]) -> None:
        """Match new records to people the user may change: by the file's person record number
        ("#12", as exported) when it is the same person, else by document, so that a re-import
        or a second file does not register the same person twice.

        Only people in the user's scope are looked for (see the module's docstring): the same
        query, and the same answer, whether the document belongs to someone elsewhere or to
        nobody."""
        self._people_by_number(rows)
        numbers = {r.values.get("id_number") for r in rows
                   if "record" not in r.refs and "person" not in r.refs} - {None, ""}
        mine = Person.objects.visible_to(self.actor, Can.CHANGE_PERSON).filter(
            tenant_id=self.tenant_id)
        found: dict[tuple[str, str], Person] = {}
        for chunk in chunks(numbers):
            for person in mine.filter(id_number__in=chunk).select_related("home_area") \
                    .order_by("-pk"):
                found[(person.id_type, person.id_number)] = person  # the oldest wins
        for row in rows:
            if "record" in row.refs or "person" in row.refs or not row.values.get("id_number"):
                continue
            person = found.get((row.values.get("id_type"), row.values["id_number"]))
            if person is not None:
                row.refs["person"] = person

    def _people_by_number(self, rows: list[Row]) -> None:
        new = [r for r in rows if "record" not in r.refs and number_in(r.values.get("person"))]
        numbers = {number_in(r.values["person"]) for r in new}
        found = {p.pk: p for chunk in chunks(numbers) for p in Person.objects.visible_to(
            self.actor, Can.CHANGE_PERSON).filter(tenant_id=self.tenant_id, pk__in=chunk)}
        for row in new:
            person = found.get(number_in(row.values["person"]))
            if person is not None and same_person(row, person):
                row.refs["person"] = person

    def source_cases(self, rows: list[Row], key: str, *, in_file: set[str],
                     unlisted: bool = False) -> dict[str, Case]:
        """Stored cases named in column `key` (those in the file itself need no lookup).
        `unlisted`: a name that is no case here (or none the user may see: the same answer) is
        kept as the case's unresolved source (`row.refs["unlisted"]`), not refused."""
        wanted = {r.values.get(key) for r in rows} - {None, ""} - in_file
        wanted |= {c for r in rows for c in r.values.get("candidates", ())} - in_file
        stored = self.visible(self.stored(Case, wanted))  # one outside the scope is unknown
        for row in rows:
            row.refs["candidates"] = [stored.get(c) for c in row.values.get("candidates", ())]
            name = row.values.get(key)
            if not name or name in in_file:
                continue
            case = stored.get(name)
            if case is not None:
                row.refs[key] = case
            elif unlisted:
                row.refs["unlisted"] = name
            else:
                self.error(row, key, _("unknown source case %(id)r: import it first, or correct "
                                       "the id") % {"id": name})
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
                    "case": ref_of(case), "id": stored[person.pk, case.pk] or "—"})
            who = row.values.get("id_number") and (row.values.get("id_type"),
                                                   row.values["id_number"])
            source = row.values.get("source_case") or ("contact", row.values.get("source_contact"))
            if who and (who, source) in first:
                self.error(row, "name", _("is the same person, with the same source, as row "
                                          "%(row)d") % {"row": first[who, source]})
            elif who:
                first[who, source] = row.number


class Chains:
    """Who infected whom, stored links overlaid with the batch's: refuses a cycle.

    The walk follows stored links through cases outside the user's scope too: a cycle closed
    through another county would break every chain for those who see it whole. Callers link
    only cases the user may see (or the file's own), and the refusal names only those two, so
    it tells no more than "one of your cases already descends from the other"."""

    def __init__(self, tenant_id: int):
        self.tenant_id = tenant_id
        self.overlay: dict[str, str | None] = {}
        self._by_id: dict[str, str | None] | None = None  # loaded at the first stored lookup
        self._by_number: dict[int, str] = {}

    def _load(self) -> None:
        """The tenant's stored links in one query, by the name files give a case and its
        source: the external id, or "#<record number>" for a case without one. Cases whose
        external id itself reads "#12" are loaded too, as a reference finds them first."""
        cases = Case.objects.filter(Q(source_case__isnull=False) | Q(external_id__startswith="#"),
                                    tenant_id=self.tenant_id)
        self._by_id = {}
        for external_id, pk, source_id, source_pk in cases.values_list(
                "external_id", "pk", "source_case__external_id", "source_case_id"):
            source = (source_id or f"#{source_pk}") if source_pk else None
            if external_id:
                self._by_id[external_id] = source
            elif source:
                self._by_number[pk] = source

    def _source_of(self, node: str) -> str | None:
        if node in self.overlay:
            return self.overlay[node]
        if self._by_id is None:
            self._load()
        if node in self._by_id:
            return self._by_id[node]
        number = number_in(node)  # "#12": record 12, named by number
        return self._by_number.get(number) if number is not None else None

    def link(self, infectee: str, infector: str) -> bool:
        """Record the link unless it closes a loop; returns whether it was recorded."""
        if infectee == infector or would_make_cycle(self._source_of, infectee=infectee,
                                                    infector=infector):
            return False
        self.overlay[infectee] = infector
        return True


def split_ids(text: object) -> list[str]:
    """A cell naming several cases ("A; B; C", "A|B", "A, B"): the ids in order, each once."""
    found: list[str] = []
    for part in str(text or "").replace("|", ";").replace(",", ";").replace("；", ";") \
            .replace("，", ";").split(";"):
        part = part.strip()
        if part and part not in found:
            found.append(part)
    return found


def number_in(reference: object) -> int | None:
    """The record number of a "#12" reference (as our exports write it), else None."""
    text = str(reference or "")
    return int(text[1:]) if text.startswith("#") and text[1:].isdigit() else None


def ref_of(record) -> str:
    """How files name a stored record: its external id, or "#<record number>"."""
    return record.external_id or f"#{record.pk}"


def same_person(row: Row, person: Person) -> bool:
    """Whether a row describes this stored person: the same name and, when the row gives a
    document, the same document."""
    number = row.values.get("id_number")
    return str(row.values.get("name") or "").strip() == person.name and (
        not number or (row.values.get("id_type"), number) == (person.id_type, person.id_number))


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
    return rules.contact_exposed_after_report(row.values.get(key), report,
                                              row.values.get("contact_type"))

