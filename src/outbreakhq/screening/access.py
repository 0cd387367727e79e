"""Screening's page and API rules, declared into core's access table from apps.py."""

from __future__ import annotations

from outbreakhq.core.access import read, write
from outbreakhq.core.roles import Can

PAGES = {
    "screening_rounds": read(Can.PLAN_SCREENING),
    "screening_round": read((Can.PLAN_SCREENING, Can.VIEW_PERSON)),
    "screening_collect": read(Can.COLLECT_SAMPLES),
    "screening_ship": read(Can.COLLECT_SAMPLES),
    "screening_lab": read(Can.RECORD_RESULTS),
    "screening_recalls": read(Can.VIEW_PERSON),
    "screening_codes": read(Can.VIEW_PERSON),
}
API = {
    "POST /screening/tubes/": write(Can.COLLECT_SAMPLES),
    "GET /screening/tubes/": read((Can.RECORD_RESULTS, Can.COLLECT_SAMPLES)),
    "POST /screening/tubes/bulk": write(Can.COLLECT_SAMPLES),
    "POST /screening/tubes/batch": write(Can.COLLECT_SAMPLES),
    "GET /screening/tubes/fhir": read(Can.COLLECT_SAMPLES),
    "POST /screening/boxes/": write(Can.COLLECT_SAMPLES),
    "POST /screening/boxes/received": write(Can.RECORD_RESULTS),
    "POST /screening/results/": write(Can.RECORD_RESULTS),
    "POST /screening/results/reported": write(Can.RECORD_RESULTS),
    "GET /screening/recalls/": read(Can.VIEW_PERSON),
    "GET /screening/labs/": read((Can.RECORD_RESULTS, Can.PLAN_SCREENING)),
    "POST /screening/labs/": write(Can.PLAN_SCREENING),
    "GET /screening/results/fhir": read(Can.RECORD_RESULTS),
}
