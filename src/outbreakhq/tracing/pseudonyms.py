"""Pseudonymised line lists for analysts (issue 7, "Privacy"): the case and contact exports with
no name, document, phone, address or free text, the birth year instead of the date, and the home
area cut to the level the deployment sets (OUTBREAKHQ_PSEUDONYM_AREA_LEVEL, default county).

Records are named by pseudonyms: an HMAC-SHA256 of (kind, tenant, record number) under a key
derived from SECRET_KEY. The same person has the same pseudonym in every export, so an analyst
can follow a person from contact to case and a chain from case to case, but cannot turn a
pseudonym back into a record number or a name without the server's secret. Rotating SECRET_KEY
changes every pseudonym (earlier files then no longer join with new ones).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.db.models import QuerySet

from outbreakhq.core.models import Area, Level

PERSON, CASE, CONTACT = "P", "C", "K"
UNLISTED = "X"  # a possible infector that is no case here, named by its external id
# Coarsest first: the setting names the finest level an export may show.
LEVELS = (Level.REGION, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY)
_PERSON_FIELDS = ("person_id", "person__sex", "person__birth_date", "person__home_area__path")
HEADERS = {
    "cases_pseudonymised": (
        "case", "person", "sex", "birth_year", "area", "classification", "onset_date",
        "sampling_date", "report_date", "detection_route", "severity", "outcome",
        "outcome_date", "source_case", "other_candidate_sources", "cluster"),
    "contacts_pseudonymised": (
        "contact", "person", "sex", "birth_year", "area", "source_case", "source_contact",
        "category", "contact_type", "last_exposure", "status", "followup_start",
        "followup_end", "converted_case"),
}
_FETCH = {
    "cases": ("tenant_id", "id", *_PERSON_FIELDS, "classification", "onset_date",
              "sampling_date", "report_date", "detection_route", "severity", "outcome",
              "outcome_date", "source_case_id", "other_candidates", "cluster_id"),
    "contacts": ("tenant_id", "id", *_PERSON_FIELDS, "source_case_id", "source_contact_id",
                 "category", "contact_type", "last_exposure", "status", "followup_start",
                 "followup_end", "converted_case_id"),
}


def _key() -> bytes:
    """The pseudonym key: derived from SECRET_KEY, used for nothing else."""
    return hmac.new(settings.SECRET_KEY.encode(), b"outbreakhq.tracing.pseudonyms",
                    hashlib.sha256).digest()


def pseudonym(kind: str, tenant_id: int, number: int | str | None, *,
              key: bytes | None = None) -> str:
    """"P-" + 16 hex digits for person 12 of tenant 1, the same in every export; blank for
    an empty link."""
    if number is None:
        return ""
    digest = hmac.new(key or _key(), f"{kind}:{tenant_id}:{number}".encode(), hashlib.sha256)
    return f"{kind}-{digest.hexdigest()[:16]}"


def area_level() -> str:
    """The configured level; an unknown value falls back to the coarsest (region), so a typing
    error in the setting never shows more than intended."""
    level = str(getattr(settings, "OUTBREAKHQ_PSEUDONYM_AREA_LEVEL", Level.COUNTY)).strip()
    return level if level in LEVELS else Level.REGION


def area_cutter(level: str) -> Callable[[str], str]:
    """Area path -> the code of its deepest ancestor (or itself) at `level` or above."""
    allowed = LEVELS[:LEVELS.index(level) + 1]
    codes = dict(Area.objects.filter(level__in=allowed).values_list("path", "code"))

    @lru_cache(maxsize=4096)
    def cut(path: str) -> str:
        parts = [p for p in (path or "").split("/") if p]
        for end in range(len(parts), 0, -1):
            code = codes.get("/" + "/".join(parts[:end]) + "/")
            if code is not None:
                return code
        return ""

    return cut


def _candidates_fetched():
    """A case's other possible infectors as fetched: "12" for case 12, "x:EXT" for one that is
    no case here (named by the file's external id), `;`-separated in the file's order."""
    from django.db import models
    from django.db.models import F, Value, When
    from django.db.models.functions import Cast, Concat

    from outbreakhq.tracing.exporting import other_candidates

    return other_candidates(models.Case(
        When(infector__isnull=True, then=Concat(Value("x:"), F("external_id"))),
        default=Cast("infector_id", models.CharField()), output_field=models.CharField()))


def _candidate_pseudonyms(tenant: int, fetched: str, key: bytes) -> str:
    """The other possible infectors pseudonymised: a case here by its case pseudonym (the one
    its own row and every source_case column carry), one that is not by an "X-" pseudonym of
    its external id (the same in every export, never the id itself)."""
    from outbreakhq.tracing.exporting import SEPARATOR

    return SEPARATOR.join(
        pseudonym(UNLISTED, tenant, part[2:], key=key) if part.startswith("x:")
        else pseudonym(CASE, tenant, int(part), key=key)
        for part in (fetched or "").split(SEPARATOR) if part)


def export_of(kind: str, rows: QuerySet):
    """The pseudonymised Export of scoped, filtered, ordered rows."""
    from outbreakhq.tracing.exporting import Export

    key, cut = _key(), area_cutter(area_level())
    own = CASE if kind == "cases" else CONTACT

    def person(tenant: int, row: tuple) -> tuple:
        person_id, sex, born, path = row
        return (pseudonym(PERSON, tenant, person_id, key=key), sex,
                born.year if isinstance(born, date) else "", cut(path))

    def case_row(row: tuple) -> tuple:
        tenant, number = row[0], row[1]
        return (pseudonym(own, tenant, number, key=key), *person(tenant, row[2:6]), *row[6:14],
                pseudonym(CASE, tenant, row[14], key=key),
                _candidate_pseudonyms(tenant, row[15], key), f"#{row[16]}" if row[16] else "")

    def contact_row(row: tuple) -> tuple:
        tenant, number = row[0], row[1]
        return (pseudonym(own, tenant, number, key=key), *person(tenant, row[2:6]),
                pseudonym(CASE, tenant, row[6], key=key),
                pseudonym(CONTACT, tenant, row[7], key=key), *row[8:14],
                pseudonym(CASE, tenant, row[14], key=key))

    fetch = [_candidates_fetched() if f == "other_candidates" else f for f in _FETCH[kind]]
    return Export(f"{kind}_pseudonymised", rows.values_list(*fetch),
                  case_row if kind == "cases" else contact_row)
