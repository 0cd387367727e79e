"""Retention periods as the deployment's data: parsed from OUTBREAKHQ_RETENTION, checked against
the kinds the modules registered, with errors that name the kind and the reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from outbreakhq import config
from outbreakhq import settings as project_settings
from outbreakhq.core import retention
from outbreakhq.core.retention import RetentionError, check_periods, parse_periods

DEFAULT = parse_periods(config.setting("OUTBREAKHQ_RETENTION").default)


def test_the_shipped_default_covers_every_registered_kind_and_passes_the_checks() -> None:
    assert set(retention.KINDS) == {"followup", "contact", "case", "person", "audit"}
    assert check_periods(DEFAULT, retention.KINDS) == []


def test_kinds_are_purged_dependents_first() -> None:
    assert [k.name for k in retention.kinds()] == ["followup", "contact", "case", "person",
                                                   "audit"]


def test_a_deployment_value_overrides_only_the_kinds_it_names(monkeypatch) -> None:
    monkeypatch.setenv("OUTBREAKHQ_RETENTION", "followup=14, audit = 3650")
    periods = project_settings.retention_periods()
    assert periods == {**DEFAULT, "followup": 14, "audit": 3650}


@pytest.mark.parametrize(("value", "message"), [
    ("followup=thirty", "'followup=thirty': expected kind=days"),
    ("followup", "'followup': expected kind=days"),
    ("followup=-3", "expected kind=days"),
    ("case=10,case=20", "'case' given twice"),
])
def test_a_malformed_value_stops_the_start_with_the_offending_part(
        monkeypatch, value: str, message: str) -> None:
    monkeypatch.setenv("OUTBREAKHQ_RETENTION", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        project_settings.retention_periods()


def test_an_unknown_kind_is_a_typo_not_ignored() -> None:
    [problem] = check_periods({**DEFAULT, "folowup": 10}, retention.KINDS)
    assert "'folowup' is not a kind of record here" in problem


def test_a_kind_without_a_period_is_named() -> None:
    periods = {k: v for k, v in DEFAULT.items() if k != "case"}
    assert check_periods(periods, retention.KINDS) == [
        "OUTBREAKHQ_RETENTION: no period for 'case'; add case=DAYS"]


def test_follow_ups_cannot_be_kept_longer_than_the_contacts_they_are_deleted_with() -> None:
    [problem] = check_periods({**DEFAULT, "followup": 120}, retention.KINDS)
    assert "followup=120 is longer than contact=90" in problem


def test_the_audit_trail_must_outlive_the_data_it_describes() -> None:
    [problem] = check_periods({**DEFAULT, "audit": 100}, retention.KINDS)
    assert "audit=100 is shorter than the longest data period (365 days)" in problem


def test_periods_refuses_to_run_with_bad_settings(settings) -> None:
    settings.OUTBREAKHQ_RETENTION = {**DEFAULT, "audit": 1}
    with pytest.raises(RetentionError, match="audit=1"):
        retention.periods()


def test_the_system_check_reports_bad_periods(settings) -> None:
    settings.OUTBREAKHQ_RETENTION = {**DEFAULT, "sample": 30}
    [error] = retention.system_check()
    assert error.id == "outbreakhq.E010" and "'sample'" in error.msg
