"""FHIR R4 results in and out (fhir.resources, the R4B models: R4's Bundle, Specimen and
Observation are unchanged in R4B).

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

from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.screening import rules

LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
TEST_CODE = "94500-6"
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
            rows.append({"barcode": barcode, "result": result, "ct": _ct_of(obs)})
    if errors:
        raise InvalidInput(message, errors)
    if not rows:
        raise InvalidInput(message, [FieldError("entry", _(
            "no Observation of LOINC 94500-6 in the bundle"))])
    return rows


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
