"""The protocol engine: presets load, overrides change one value, bad rules are named and refused.

Pure tests: no database, no Django settings (except `current()`, which reads them).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from outbreakhq import protocols
from outbreakhq.protocols import ProtocolError, load, parse_overrides

CN = "cn-9th-edition"
WHO = "who-generic"


@pytest.mark.parametrize("name", [CN, WHO])
def test_both_presets_load_and_name_themselves(name: str) -> None:
    protocol = load(name)
    assert protocol.meta.name == name
    assert protocol.meta.title.en and protocol.meta.title.zh


def test_available_lists_the_shipped_presets() -> None:
    assert {CN, WHO} <= set(protocols.available())


def test_cn_close_contact_is_seven_days_centralised_plus_three_home() -> None:
    rule = load(CN).people.close_contact
    assert (rule.quarantine_days, rule.setting, rule.home_monitoring_days) == (7, "centralised", 3)
    assert rule.test_days == (1, 2, 3, 5, 7, 10)


def test_cn_contact_of_a_close_contact_is_seven_days_home_with_three_tests() -> None:
    rule = load(CN).people.secondary_contact
    assert (rule.quarantine_days, rule.setting, rule.test_days) == (7, "home", (1, 4, 7))


def test_cn_inbound_traveller_is_managed_as_a_close_contact() -> None:
    people = load(CN).people
    assert people.inbound_traveller == people.close_contact


def test_cn_low_risk_area_visitor_takes_two_tests_within_three_days() -> None:
    rule = load(CN).people.low_risk_area_visitor
    assert (rule.setting, rule.tests_required, rule.tests_within_days) == ("none", 2, 3)


def test_cn_high_area_goes_medium_after_seven_days_and_a_negative_round() -> None:
    high = load(CN).grading.downgrade["high"]
    assert (high.to, high.days_in_force, high.negative_round_on_last_day) == ("medium", 7, True)


def test_cn_medium_to_low_follows_the_annex_unless_press_reading_chosen() -> None:
    medium = load(CN).grading.downgrade["medium"]
    assert medium.days_required(came_from_higher=False) == 7
    assert medium.days_required(came_from_higher=True) == 3
    press = load(CN, "grading.downgrade.medium.reading=press_summary")
    assert press.grading.downgrade["medium"].days_in_force == 3


def test_cn_screening_pools_and_tracing_lookback() -> None:
    protocol = load(CN)
    assert protocol.screening.validated_pool_sizes == (5, 10, 20)
    assert protocol.screening.pool_size.sealed_compound == "household"
    assert protocol.screening.pool_size.quarantine == 1
    assert protocol.tracing.lookback_days_before_onset == 4


def test_who_follows_contacts_fourteen_days_at_home_without_tests() -> None:
    protocol = load(WHO)
    rule = protocol.people.close_contact
    assert (rule.followup_days, rule.setting, rule.test_days) == (14, "home", ())
    assert rule.daily_symptom_check
    assert protocol.grading.grades == ("affected", "not_affected")
    assert protocol.screening.validated_pool_sizes == (1,)
    assert protocol.tracing.lookback_days_before_onset == 2


def test_both_presets_share_one_schema() -> None:
    def keys(table: dict, prefix: str = "") -> set[str]:
        found = set()
        for key, value in table.items():
            if isinstance(value, dict) and key not in {"downgrade", "measures"}:
                found |= keys(value, f"{prefix}{key}.")
            else:
                found.add(prefix + key)
        return found

    assert keys(load(CN).model_dump()) == keys(load(WHO).model_dump())


def test_parse_overrides_reads_json_values_and_keeps_other_text() -> None:
    parsed = parse_overrides(" a.b=10; c=[1,2,3];d=true;e=press_summary;; ")
    assert parsed == {"a.b": 10, "c": [1, 2, 3], "d": True, "e": "press_summary"}


def test_override_changes_one_value() -> None:
    plain, changed = load(CN), load(CN, "people.close_contact.followup_days=14")
    assert changed.people.close_contact.followup_days == 14
    assert changed.people.close_contact.test_days == plain.people.close_contact.test_days
    assert changed.people.secondary_contact == plain.people.secondary_contact
    assert changed.grading == plain.grading


def test_longer_quarantine_needs_a_matching_followup() -> None:
    with pytest.raises(ProtocolError, match=r"people.close_contact.followup_days: 10 is shorter"):
        load(CN, "people.close_contact.quarantine_days=10")
    longer = load(
        CN, "people.close_contact.quarantine_days=10;people.close_contact.followup_days=13"
    )
    assert longer.people.close_contact.stay_days == 13


def test_override_accepts_a_mapping_and_a_list() -> None:
    protocol = load(CN, {"people.secondary_contact.test_days": [1, 7]})
    assert protocol.people.secondary_contact.test_days == (1, 7)


def test_unknown_override_key_is_named() -> None:
    with pytest.raises(
        ProtocolError, match=r"override 'people.close_contact.quarantine_dayz': no such key"
    ):
        load(CN, "people.close_contact.quarantine_dayz=10")


def test_override_without_equals_sign_is_refused() -> None:
    with pytest.raises(ProtocolError, match="expected dotted.key=value"):
        parse_overrides("people.close_contact.quarantine_days")


def test_wrong_type_names_the_key() -> None:
    with pytest.raises(ProtocolError) as error:
        load(CN, "people.close_contact.quarantine_days=ten")
    assert str(error.value).startswith(
        "cn-9th-edition: people.close_contact.quarantine_days: Input should be a valid integer"
    )


def test_test_day_outside_stay_is_rejected() -> None:
    with pytest.raises(ProtocolError, match=r"people.close_contact.test_days: day 11 is outside"):
        load(CN, "people.close_contact.test_days=[1,11]")


def test_shorter_quarantine_makes_scheduled_test_days_fall_outside() -> None:
    with pytest.raises(ProtocolError, match=r"people.secondary_contact.test_days: day 7"):
        load(
            CN,
            "people.secondary_contact.quarantine_days=5;people.secondary_contact.followup_days=5",
        )


def test_default_pool_size_must_be_validated() -> None:
    with pytest.raises(
        ProtocolError, match=r"screening.pool_size.other_areas: 7 is not 1 or one of"
    ):
        load(CN, "screening.pool_size.other_areas=7")


def test_default_pool_size_must_not_exceed_the_maximum() -> None:
    with pytest.raises(ProtocolError, match=r"screening.validated_pool_sizes: larger than"):
        load(CN, "screening.max_pool_size=10")


def test_downgrade_must_go_to_the_next_lower_grade() -> None:
    with pytest.raises(ProtocolError, match=r"grading.downgrade.high.to: must be the next lower"):
        load(CN, "grading.downgrade.high.to=low")


def test_grades_must_match_the_measures_and_rules() -> None:
    with pytest.raises(ProtocolError, match=r"grading.measures: needs exactly one entry per grade"):
        load(CN, 'grading.grades=["high","medium","low","none"]')


def test_a_visitor_rule_must_name_a_person_category() -> None:
    with pytest.raises(ProtocolError, match=r"grading.measures.low.visitor_rule: 'tourist'"):
        load(CN, "grading.measures.low.visitor_rule=tourist")


def test_overriding_a_whole_table_is_refused() -> None:
    with pytest.raises(ProtocolError, match=r"override 'screening.pool_size': is a table"):
        load(CN, "screening.pool_size=1")


def test_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(
        ProtocolError,
        match=r"unknown protocol 'cn-10th'; available: cn-20-measures, cn-9th-edition",
    ):
        load("cn-10th")


def test_a_path_is_not_a_preset_name() -> None:
    with pytest.raises(ProtocolError, match="unknown protocol"):
        load("../protocols/cn-9th-edition")


def test_loaded_rules_are_frozen() -> None:
    rule = load(CN).people.close_contact
    with pytest.raises(ValueError, match="frozen"):
        rule.quarantine_days = 3  # type: ignore[misc]


@pytest.mark.parametrize("name", [CN, WHO])
def test_effective_rules_print_as_toml_that_reads_back_the_same(name: str) -> None:
    protocol = load(name, "alerts.sample_overdue_hours=72")
    assert protocols.as_toml(protocol).count("sample_overdue_hours = 72") == 1
    assert tomllib.loads(protocols.as_toml(protocol)) == protocol.model_dump(mode="json")


def test_protocol_error_is_a_value_error() -> None:
    assert issubclass(ProtocolError, ValueError)


def test_engine_imports_no_django() -> None:
    code = (
        "import sys, outbreakhq.protocols as p; p.load('cn-9th-edition');"
        " print('django' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(protocols.PRESET_DIR.parent.parent)},
    )
    assert result.stdout.strip() == "False"


def test_the_twenty_measures_have_high_and_low_areas_and_five_plus_three_days() -> None:
    rules = load("cn-20-measures")
    assert rules.grading.grades == ("high", "low")
    assert rules.grading.downgrade["high"].days_required(came_from_higher=False) == 5
    assert not rules.grading.downgrade["high"].negative_round_on_last_day
    contact = rules.people.close_contact
    assert (contact.quarantine_days, contact.home_monitoring_days) == (5, 3)
    # quarantine days 1, 2, 3, 5 and home-monitoring days 1 and 3
    assert contact.test_days == (1, 2, 3, 5, 6, 8)
    assert rules.people.secondary_contact.setting == "none"
