"""The roles table: what each role may do. Pure tests, no database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from outbreakhq.core.roles import CAPABILITIES, Can, Role, grants, role_table_markdown

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"
BEGIN, END = "<!-- roles:begin (generated: outbreakhq roles --markdown) -->", "<!-- roles:end -->"
# Pseudonymised exports carry no personal data; the administrators' own capabilities neither.
PERSONAL = set(Can) - {Can.VIEW_AGGREGATES, Can.VIEW_AUDIT, Can.MANAGE_AREAS,
                       Can.EXPORT_PSEUDONYMS, Can.MANAGE_ACCOUNTS, Can.MANAGE_RETENTION,
                       Can.USE_TWO_FACTOR, Can.RECORD_RESULTS, Can.PLAN_SCREENING,
                       Can.APPROVE_ZONES, Can.ISSUE_DIRECTIVES, Can.ACKNOWLEDGE_ALERTS}


def holders(capability: str) -> set[str]:
    return {r for r in Role if grants(r, capability)}


def test_every_role_has_an_entry_in_the_table() -> None:
    assert set(CAPABILITIES) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_aggregate_figures(role: str) -> None:
    assert grants(role, Can.VIEW_AGGREGATES)


def test_the_analyst_is_granted_nothing_that_touches_personal_data() -> None:
    assert CAPABILITIES[Role.ANALYST] == {Can.VIEW_AGGREGATES, Can.EXPORT_PSEUDONYMS}


def test_the_lab_technician_records_results_and_sees_no_personal_data() -> None:
    assert CAPABILITIES[Role.LAB] == {Can.VIEW_AGGREGATES, Can.RECORD_RESULTS}


def test_only_the_administrator_browses_the_audit_trail_and_manages_areas() -> None:
    for capability in (Can.VIEW_AUDIT, Can.MANAGE_AREAS):
        assert holders(capability) == {Role.ADMIN}


def test_export_of_personal_data_is_limited_to_commander_tracer_and_admin() -> None:
    assert holders(Can.EXPORT_PERSON) == {Role.COMMANDER, Role.TRACER, Role.ADMIN}


def test_pseudonymised_exports_are_for_analysts_commanders_and_admins() -> None:
    assert {r for r in Role if grants(r, Can.EXPORT_PSEUDONYMS)} == {
        Role.ANALYST, Role.COMMANDER, Role.ADMIN}


def test_the_commander_reads_people_and_decides_but_edits_no_record() -> None:
    assert CAPABILITIES[Role.COMMANDER] == {Can.VIEW_AGGREGATES, Can.VIEW_PERSON,
                                            Can.EXPORT_PERSON, Can.EXPORT_PSEUDONYMS,
                                            Can.USE_TWO_FACTOR, Can.PLAN_SCREENING,
                                            Can.OVERRIDE_RULES, Can.APPROVE_ZONES,
                                            Can.ACKNOWLEDGE_ALERTS, Can.ISSUE_DIRECTIVES}
    for change in (Can.CHANGE_PERSON, Can.MANAGE_CASE, Can.TRACE_CONTACT, Can.MANAGE_STAYS):
        assert not grants(Role.COMMANDER, change)


def test_the_field_roles_register_people_and_propose_cases_but_do_not_decide_them() -> None:
    for role in (Role.SCREENING, Role.QUARANTINE, Role.COMMUNITY):
        assert grants(role, Can.CHANGE_PERSON) and grants(role, Can.PROPOSE_CASE)
        assert not grants(role, Can.MANAGE_CASE)
        assert not grants(role, Can.TRACE_CONTACT)
        assert not grants(role, Can.MERGE_PERSON)


def test_only_the_tracer_and_the_administrator_decide_cases_and_trace_contacts() -> None:
    for capability in (Can.MANAGE_CASE, Can.TRACE_CONTACT, Can.MERGE_PERSON):
        assert holders(capability) == {Role.TRACER, Role.ADMIN}


def test_follow_up_is_recorded_by_those_who_meet_the_contacts() -> None:
    assert holders(Can.RECORD_FOLLOWUP) == {Role.TRACER, Role.COMMUNITY, Role.QUARANTINE,
                                            Role.ADMIN}


def test_whoever_decides_cases_may_also_propose_them() -> None:
    assert holders(Can.MANAGE_CASE) <= holders(Can.PROPOSE_CASE)


def test_every_personal_capability_implies_seeing_people() -> None:
    for role in Role:
        if CAPABILITIES[role] & PERSONAL:
            assert grants(role, Can.VIEW_PERSON), role


def test_an_unknown_role_is_granted_nothing() -> None:
    assert not grants("janitor", Can.VIEW_AGGREGATES)


def test_the_role_table_names_every_role_and_what_it_may_do() -> None:
    with translation.override("en"):
        table = role_table_markdown()
    assert table.count("\n") == len(Role) + 2
    assert ("| Lab technician (`lab`) | view aggregate figures; receive tubes at the lab and "
            "record their results |") in table


def test_the_roles_command_prints_the_markdown_table(capsys) -> None:
    call_command("roles", "--markdown")
    with translation.override("en"):
        assert capsys.readouterr().out == role_table_markdown()


def test_the_guide_holds_exactly_the_generated_role_table() -> None:
    """Regenerate with `outbreakhq roles --markdown` and paste between the markers."""
    text = GUIDE.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    inside = text.split(BEGIN, 1)[1].split(END, 1)[0]
    with translation.override("en"):
        assert inside.strip("\n") == role_table_markdown().strip("\n")


def test_the_roles_command_lists_what_every_endpoint_needs(capsys) -> None:
    call_command("roles", "--endpoints")
    out = capsys.readouterr().out
    assert "| page `case_edit` | case.manage |" in out
    assert "| API `POST /cases/` | case.propose |" in out
