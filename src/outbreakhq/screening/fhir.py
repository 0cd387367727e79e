"""FHIR R4 samples and results in and out (fhir.resources, the R4B models: R4's Bundle,
Specimen, Group and Observation are unchanged in R4B).

Samples (our profile, docs/screening.md "FHIR"): a Bundle (batch, transaction or collection)
with one Specimen a sealed tube: the barcode in `accessionIdentifier` (or the first
`identifier`); the collection site and the round as the extensions SITE_EXTENSION and
ROUND_EXTENSION (valueInteger: their numbers), an individual retest as RETEST_EXTENSION
(valueBoolean); `collection.collectedDateTime` when the tube was taken; `subject` the people
swabbed into it: a reference to a Group (an entry of the bundle, by fullUrl or Group/id, or a
contained Group, by #id) whose `member.entity.identifier.value` are screening codes or identity
numbers, or, for a tube of one person, `subject.identifier`. Codes, not names: a tube's
bundle says no more about a person than the tube's label.

In: a Bundle of Observations (LOINC 94500-6, SARS-CoV-2 RNA by NAA) whose value is SNOMED CT
10828004 (positive) or 260415000 (not detected), each naming its tube by its Specimen (in the
bundle, by `accessionIdentifier` or the first `identifier`) or by a logical reference
(`specimen.identifier`). DiagnosticReports are read through the Observations they carry.
Out: the tubes' results as a collection Bundle of Specimens and Observations (no Patient: a
pooled tube names nobody, and the lab sees no names).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.screening import rules

LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
TEST_CODE = "94500-6"
PROFILE = "https://outbreakhq.org/fhir"
SITE_EXTENSION = f"{PROFILE}/StructureDefinition/screening-site"
ROUND_EXTENSION = f"{PROFILE}/StructureDefinition/screening-round"
RETEST_EXTENSION = f"{PROFILE}/StructureDefinition/screening-retest"
CODE_SYSTEM = f"{PROFILE}/sid/screening-code"
VALUE_CODE = {"positive": ("10828004", "Positive"), "negative": ("260415000", "Not detected"),
              "invalid": ("455371000124106", "Invalid result")}


def read_bundle(text: str) -> list[dict]:
    """Rows of barcode, result (and Ct from a valueQuantity component named Ct) from a FHIR
    bundle; a malformed bundle or entry is refused naming the entry (row = entry number)."""
    message = _("The FHIR bundle was not imported.")
    try:
        data = json.loads(text)
        bundle = Bundle.model_validate(data)
    except ValueError as problem:  # JSON, or pydantic's ValidationError (a ValueError)
        raise InvalidInput(message, _problems(problem)) from problem
    specimens: dict[str, str] = {}
    observations = []
    for number, entry in enumerate(bundle.entry or [], start=1):
        resource = entry.resource
        if resource is None:
            continue
        kind = resource.get_resource_type()
        if kind == "Specimen":
            barcode = _specimen_barcode(resource)
            for key in filter(None, (entry.fullUrl, f"Specimen/{resource.id}" if resource.id
                                     else None)):
                specimens[key] = barcode
        elif kind == "Observation":
            observations.append((number, resource))
    rows, errors = [], []
    for number, obs in observations:
        codes = {(c.system, c.code) for c in (obs.code.coding or [])}
        if (LOINC, TEST_CODE) not in codes:
            continue
        barcode = _observation_barcode(obs, specimens)
        result = _result_of(obs)
        if not barcode:
            errors.append(FieldError("specimen", _("the Observation names no tube: give its "
                                                   "Specimen with the barcode"), number))
        if result is None:
            errors.append(FieldError("valueCodeableConcept", _(
                "not SNOMED CT 10828004 (positive) or 260415000 (not detected)"), number))
        if barcode and result:
            rows.append({"barcode": barcode, "result": result, "ct": _ct_of(obs),
                         "entry": number})
    if errors:
        raise InvalidInput(message, errors)
    if not rows:
        raise InvalidInput(message, [FieldError("entry", _(
            "no Observation of LOINC 94500-6 in the bundle"))])
    return rows


def _validated(text: str, message: str) -> Bundle:
    try:
        return Bundle.model_validate(json.loads(text))
    except ValueError as problem:  # JSON, or pydantic's ValidationError (a ValueError)
        raise InvalidInput(message, _problems(problem)) from problem


def read_specimens(text: str) -> list[dict]:
    """Rows of barcode, site, round, members, retest (and `entry`, the entry's number) from a
    Bundle of Specimens (the profile above). Every problem of every entry is refused naming the
    entry (row = entry number), nothing is read from a bundle with one."""
    message = _("The FHIR bundle was not imported.")
    bundle = _validated(text, message)
    groups: dict[str, object] = {}
    specimens = []
    for number, entry in enumerate(bundle.entry or [], start=1):
        resource = entry.resource
        if resource is None:
            continue
        kind = resource.get_resource_type()
        if kind == "Group":
            for key in filter(None, (entry.fullUrl, f"Group/{resource.id}" if resource.id
                                     else None)):
                groups[key] = resource
        elif kind == "Specimen":
            specimens.append((number, resource))
    rows, errors = [], []
    for number, specimen in specimens:
        def fail(name: str, problem: str, number=number) -> None:
            errors.append(FieldError(name, problem, number))

        barcode = _specimen_barcode(specimen)
        if not barcode:
            fail("accessionIdentifier", _("the Specimen has no barcode (accessionIdentifier "
                                          "or identifier)"))
        found = {}
        for ext in specimen.extension or []:
            if ext.url in (SITE_EXTENSION, ROUND_EXTENSION, RETEST_EXTENSION):
                found[ext.url] = (ext.valueInteger if ext.url != RETEST_EXTENSION
                                  else ext.valueBoolean)
        for url, name in ((SITE_EXTENSION, "site"), (ROUND_EXTENSION, "round")):
            if not isinstance(found.get(url), int) or isinstance(found.get(url), bool):
                fail(name, _("no extension %(url)s with the %(what)s's number (valueInteger)")
                     % {"url": url, "what": name})
        members = _members_of(specimen, groups, fail)
        collected = specimen.collection.collectedDateTime if specimen.collection else None
        if collected is not None and not (isinstance(collected, datetime)
                                          and collected.tzinfo is not None):
            fail("collection.collectedDateTime", _(
                "the collection time needs a time of day and a time zone (for example "
                "2022-04-04T08:15:00+08:00)"))
        if barcode and not any(e.row == number for e in errors):
            row = {"barcode": barcode, "site": found[SITE_EXTENSION],
                   "round": found[ROUND_EXTENSION], "members": members,
                   "retest": bool(found.get(RETEST_EXTENSION)), "entry": number}
            if collected is not None:
                row["collected_at"] = collected
            rows.append(row)
    if errors:
        raise InvalidInput(message, errors)
    if not rows:
        raise InvalidInput(message, [FieldError("entry", _("no Specimen in the bundle"))])
    return rows


def _members_of(specimen, groups: dict, fail) -> list[str]:
    """The codes of the people in the tube: its subject's Group members, or the subject."""
    subject = specimen.subject
    if subject is None:
        fail("subject", _("the Specimen names nobody: give a subject (a Group of the people "
                          "swabbed, or one person's identifier)"))
        return []
    if subject.identifier is not None and subject.identifier.value:
        return [subject.identifier.value.strip()]
    ref = (subject.reference or "").strip()
    group = groups.get(ref)
    if group is None and ref.startswith("#"):
        group = next((c for c in specimen.contained or []
                      if c.get_resource_type() == "Group" and c.id == ref[1:]), None)
    if group is None:
        fail("subject", _("%(ref)s is not a Group of this bundle") % {"ref": ref or "?"})
        return []
    codes = []
    for position, member in enumerate(group.member or [], start=1):
        entity = member.entity
        if entity.identifier is None or not entity.identifier.value:
            fail("subject", _("member %(n)d of the Group has no identifier (screening code or "
                              "identity number)") % {"n": position})
        else:
            codes.append(entity.identifier.value.strip())
    if not group.member:
        fail("subject", _("the Group has no members"))
    return codes


def export_specimens(tubes, codes: dict[int, list[str]]) -> dict:
    """Sealed tubes as a collection Bundle of the profile above: a Group of the members'
    screening codes and a Specimen each (codes: tube id -> members' codes). Reads back through
    read_specimens; importing it again changes nothing (the same tubes)."""
    entries = []
    for tube in tubes:
        seed = f"tube:{tube.barcode}"
        group_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed + ':group')}"
        entries.append({"fullUrl": group_url, "resource": {
            "resourceType": "Group", "type": "person", "actual": True,
            "quantity": len(codes.get(tube.pk, ())),
            "member": [{"entity": {"identifier": {"system": CODE_SYSTEM, "value": code}}}
                       for code in codes.get(tube.pk, ())]}})
        extension = [{"url": SITE_EXTENSION, "valueInteger": tube.site_id},
                     {"url": ROUND_EXTENSION, "valueInteger": tube.round_id}]
        if tube.retest:
            extension.append({"url": RETEST_EXTENSION, "valueBoolean": True})
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}",
                        "resource": {
                            "resourceType": "Specimen", "status": "available",
                            "extension": extension,
                            "accessionIdentifier": {"value": tube.barcode},
                            "subject": {"reference": group_url},
                            "collection": {"collectedDateTime": tube.collected_at.isoformat()}}})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    Bundle.model_validate(bundle)  # what we send is valid FHIR
    return bundle


def _problems(problem: Exception) -> list[FieldError]:
    if isinstance(problem, ValidationError):
        out = []
        for error in problem.errors()[:50]:
            loc = [str(p) for p in error.get("loc", ())]
            row = int(loc[1]) + 1 if len(loc) > 1 and loc[0] == "entry" and \
                loc[1].isdigit() else None
            out.append(FieldError(".".join(loc) or "bundle", str(error.get("msg", "")), row))
        return out
    return [FieldError("bundle", str(problem))]


def _specimen_barcode(specimen) -> str:
    if specimen.accessionIdentifier and specimen.accessionIdentifier.value:
        return specimen.accessionIdentifier.value.strip()
    for identifier in specimen.identifier or []:
        if identifier.value:
            return identifier.value.strip()
    return ""


def _observation_barcode(obs, specimens: dict[str, str]) -> str:
    ref = obs.specimen
    if ref is None:
        return ""
    if ref.identifier is not None and ref.identifier.value:
        return ref.identifier.value.strip()
    return specimens.get(ref.reference or "", "")


def _result_of(obs) -> str | None:
    concept = obs.valueCodeableConcept
    if concept is None:
        return None
    for coding in concept.coding or []:
        if coding.system == SNOMED:
            found = rules.read_result(coding.code or "")
            if found:
                return found
    return rules.read_result(concept.text or "")


def _ct_of(obs) -> str:
    for component in obs.component or []:
        names = {(c.code or "").lower() for c in (component.code.coding or [])}
        text = (component.code.text or "").lower()
        if ("ct" in names or text == "ct") and component.valueQuantity is not None:
            return str(component.valueQuantity.value)
    return ""


def export_bundle(tubes) -> dict:
    """A collection Bundle of the resulted tubes: a Specimen (barcode) and an Observation each."""
    entries = []
    for tube in tubes:
        specimen_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'tube:' + tube.barcode)}"
        code, display = VALUE_CODE[tube.result]
        entries.append({"fullUrl": specimen_url, "resource": {
            "resourceType": "Specimen", "accessionIdentifier": {"value": tube.barcode},
            "collection": {"collectedDateTime": tube.collected_at.isoformat()},
            "note": [{"text": f"{tube.members_count} swabs"}]}})
        observation = {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": TEST_CODE}]},
            "specimen": {"reference": specimen_url},
            "issued": tube.resulted_at.isoformat() if tube.resulted_at else None,
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code,
                                                 "display": display}]}}
        if tube.ct is not None:
            observation["component"] = [{"code": {"text": "Ct"},
                                         "valueQuantity": {"value": float(tube.ct)}}]
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid4()}",
                        "resource": {k: v for k, v in observation.items() if v is not None}})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    Bundle.model_validate(bundle)  # what we send is valid FHIR
    return bundle
