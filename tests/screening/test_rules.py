"""Screening's pure rules: codes, pool sizes, fingerprints, results, turnaround."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from outbreakhq.screening import rules

KEY = "a-long-test-secret-key-of-more-than-32-chars"


def test_a_screening_code_names_its_person_and_a_mistyped_one_names_nobody():
    code = rules.screening_code(1042, KEY)
    assert code.startswith("S1042-") and len(code) == 10
    assert rules.person_of_code(code, KEY) == 1042
    assert rules.person_of_code(code.lower().replace("-", " "), KEY) == 1042
    assert rules.person_of_code(code.replace("S1042", "S1043"), KEY) is None
    assert rules.person_of_code(code, "another-deployments-secret-key-0123456789") is None
    assert rules.person_of_code("110101199003077777", KEY) is None  # an identity number


_CODE_LIKE = st.text(alphabet="Ss0123456789-ABCDXYZ27abz8 \t\u0663\u00b2", max_size=20)


@given(st.one_of(_CODE_LIKE, st.builds(lambda n, s: rules.screening_code(n, KEY) + s,
                                       st.integers(0, 10**13), st.sampled_from(["", " ", "\n"]))))
def test_a_code_as_printed_is_read_as_the_regex_reads_it(text):
    match = rules._CODE.match(text.strip().upper().replace(" ", ""))
    expected = (int(match.group(1)), match.group(2)) if match else None
    assert rules._parse_code(text) == expected


def test_pool_capacity_follows_the_preset_and_a_household_tube_is_capped():
    assert rules.pool_capacity(10, 20) == 10
    assert rules.pool_capacity("household", 20) == 20


def test_the_same_people_in_another_order_are_the_same_tube():
    assert rules.content_fingerprint(1, 2, [3, 4]) == rules.content_fingerprint(1, 2, [4, 3])
    assert rules.content_fingerprint(1, 2, [3]) != rules.content_fingerprint(1, 2, [3], True)


def test_results_are_read_from_words_and_snomed_codes():
    assert rules.read_result("Positive") == rules.read_result("10828004") == "positive"
    assert rules.read_result("not detected") == rules.read_result("260415000") == "negative"
    assert rules.read_result("maybe") is None
    assert rules.read_ct(" 28.46 ") == 28.5 and rules.read_ct("") is None


def test_turnaround_gives_mean_median_max_and_the_shares_within_thresholds():
    start = datetime(2022, 4, 4, 8)
    hours = [rules.hours_between(start, start + timedelta(hours=h)) for h in (2, 8, 30)]
    summary = rules.turnaround(hours + [None])
    assert summary["count"] == 3 and summary["median"] == 8 and summary["max"] == 30
    assert summary["within"] == {6: 1 / 3, 12: 2 / 3, 24: 2 / 3}


def test_a_results_csv_needs_barcode_and_result():
    rows = rules.read_results_csv("Barcode,Result,Ct\nT1,positive,28\n")
    assert rows == [{"barcode": "T1", "result": "positive", "ct": "28"}]
