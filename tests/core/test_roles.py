"""The roles table: what each role may do. Pure tests, no database."""

from __future__ import annotations

import pytest

from outbreakhq.core.roles import CAPABILITIES, Can, Role, grants


def test_every_role_has_an_entry_in_the_table() -> None:
    assert set(CAPABILITIES) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_aggregate_figures(role: str) -> None:
    assert grants(role, Can.VIEW_AGGREGATES)


def test_the_analyst_is_granted_nothing_that_touches_personal_data() -> None:
    assert CAPABILITIES[Role.ANALYST] == {Can.VIEW_AGGREGATES, Can.EXPORT_PSEUDONYMS}


def test_only_the_administrator_browses_the_audit_trail_and_manages_areas() -> None:
    for capability in (Can.VIEW_AUDIT, Can.MANAGE_AREAS):
        assert [r for r in Role if grants(r, capability)] == [Role.ADMIN]


def test_export_of_personal_data_is_limited_to_commander_tracer_and_admin() -> None:
    assert {r for r in Role if grants(r, Can.EXPORT_PERSON)} == {
        Role.COMMANDER, Role.TRACER, Role.ADMIN}


def test_pseudonymised_exports_are_for_analysts_commanders_and_admins() -> None:
    assert {r for r in Role if grants(r, Can.EXPORT_PSEUDONYMS)} == {
        Role.ANALYST, Role.COMMANDER, Role.ADMIN}


def test_the_lab_and_the_commander_read_people_but_do_not_edit_them() -> None:
    for role in (Role.LAB, Role.COMMANDER):
        assert grants(role, Can.VIEW_PERSON)
        assert not grants(role, Can.CHANGE_PERSON)


def test_an_unknown_role_is_granted_nothing() -> None:
    assert not grants("janitor", Can.VIEW_AGGREGATES)
