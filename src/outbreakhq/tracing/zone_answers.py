"""What tracing answers zones (core/hooks.py `provide`): facts, never a rule. zones/warnings.py
decides from them whether a case's source is known and whether a visit is a stay."""

from __future__ import annotations

from collections.abc import Iterable

from outbreakhq.tracing.models import (
    CandidateInfector,
    Case,
    Contact,
    DetectionRoute,
    Exposure,
    PlaceVisit,
)


def source_facts(case_ids: Iterable[int]) -> dict[int, dict]:
    """`tracing.source_facts(case_ids)`: {case id: {"classification", "area_id", "report",
    and each fact of zones.warnings.KNOWN_SOURCE_FACTS as a bool}}, a few queries a batch.
    A contact counts when the person was a recorded contact exposed on or before the report
    date (traced before or when the case was found)."""
    ids = list(case_ids)
    rows = list(Case.objects.filter(pk__in=ids).values_list(
        "pk", "person_id", "area_id", "report_date", "classification", "source_case_id",
        "source_external_id", "cluster_id", "under_control_when_found", "detection_route"))
    candidates = set(CandidateInfector.objects.filter(case_id__in=ids)
                     .values_list("case_id", flat=True))
    exposures = set(Exposure.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
    contacts: dict[int, list] = {}
    for person, exposed, converted in Contact.objects.filter(
            person_id__in={row[1] for row in rows}).values_list(
            "person_id", "last_exposure", "converted_case_id"):
        contacts.setdefault(person, []).append((exposed, converted))
    answers = {}
    for (pk, person, area, report, classification, source, external, cluster,
         under_control, route) in rows:
        answers[pk] = {
            "classification": classification, "area_id": area, "report": report,
            "source_case": source is not None, "source_external_id": bool(external),
            "candidate": pk in candidates,
            "contact": any(converted == pk or exposed <= report
                           for exposed, converted in contacts.get(person, ())),
            "under_control": under_control, "cluster": cluster is not None,
            "exposure": pk in exposures, "inbound": route == DetectionRoute.INBOUND}
    return answers


def visit_facts(visit_id: int) -> dict | None:
    """`tracing.visit(visit_id)`: the visited area, the visit's days and hours, its case's
    number, classification and dates (onset, sampling, report); None when there is none."""
    row = PlaceVisit.objects.filter(pk=visit_id).values(
        "area_id", "date_from", "date_to", "hours", "case_id", "case__classification",
        "case__onset_date", "case__sampling_date", "case__report_date").first()
    if row is None:
        return None
    return {"area_id": row["area_id"], "date_from": row["date_from"], "date_to": row["date_to"],
            "hours": row["hours"], "case_id": row["case_id"],
            "classification": row["case__classification"], "onset": row["case__onset_date"],
            "sampling": row["case__sampling_date"], "report": row["case__report_date"]}


def visits_of(case_id: int) -> list[int]:
    """`tracing.visits_of(case_id)`: the numbers of the case's recorded visits."""
    return list(PlaceVisit.objects.filter(case_id=case_id).values_list("pk", flat=True))
