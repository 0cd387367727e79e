"""The risk-area clocks of every preset, day by day (pure: no database, no Django settings)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outbreakhq.protocols import ProtocolError, load
from outbreakhq.zones.rules import AreaEvent, Clock, ClockRules, replay, state_on

D0 = date(2022, 8, 1)  # the day the first infection is found


def rules_of(preset: str, overrides: str = "") -> ClockRules:
    return ClockRules.from_grading(load(preset, overrides).grading)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def grades(preset: str, events: dict[int, list[str]], last: int = 20,
           overrides: str = "") -> dict[int, str | None]:
    """The grade on each day 0..last, `events` keyed by day offset."""
    clock = Clock(rules_of(preset, overrides))
    return {n: clock.advance(day(n), [AreaEvent(day(n), k) for k in events.get(n, [])])
            for n in range(last + 1)}


# cn-9th-edition -----------------------------------------------------------------------------

CN = "cn-9th-edition"


def test_cn_infection_grades_high_that_day() -> None:
    assert grades(CN, {0: ["infection"]}, last=0) == {0: "high"}


def test_cn_high_goes_medium_day_after_negative_round_on_case_free_day_7_then_low_after_3() -> None:
    g = grades(CN, {0: ["infection"], 7: ["round_negative"]})
    assert [g[n] for n in range(8)] == ["high"] * 8
    assert g[8] == g[9] == g[10] == "medium"  # 3 case-free days from the day it became medium
    assert g[11] == g[20] == "low"


def test_cn_round_before_day_7_does_not_count() -> None:
    g = grades(CN, {0: ["infection"], 6: ["round_negative"]})
    assert g[20] == "high"


def test_cn_missed_day_7_round_waits_for_the_first_round_after() -> None:
    g = grades(CN, {0: ["infection"], 10: ["round_negative"]})
    assert g[10] == "high" and g[11] == "medium" and g[14] == "low"


def test_cn_positive_round_on_day_7_is_a_new_infection_and_restarts_the_clock() -> None:
    g = grades(CN, {0: ["infection"], 7: ["round_positive"], 14: ["round_negative"]})
    assert g[8] == "high" and g[14] == "high" and g[15] == "medium" and g[18] == "low"


def test_cn_new_infection_restarts_the_high_clock() -> None:
    g = grades(CN, {0: ["infection"], 4: ["infection"], 7: ["round_negative"],
                    11: ["round_negative"]})
    assert g[8] == "high" and g[11] == "high" and g[12] == "medium"


def test_cn_stay_makes_medium_which_goes_low_like_high_to_medium() -> None:
    g = grades(CN, {0: ["stay"], 7: ["round_negative"]})
    assert [g[n] for n in range(8)] == ["medium"] * 8
    assert g[8] == "low"


def test_cn_directly_medium_without_round_stays_medium() -> None:
    assert grades(CN, {0: ["stay"]})[20] == "medium"


def test_cn_infection_in_medium_area_makes_it_high_that_day() -> None:
    g = grades(CN, {0: ["stay"], 3: ["infection"]})
    assert g[2] == "medium" and g[3] == "high"


def test_cn_infection_in_medium_that_came_from_high_makes_it_high_and_forgets_the_3_days() -> None:
    g = grades(CN, {0: ["infection"], 7: ["round_negative"], 9: ["infection"],
                    16: ["round_negative"]}, last=25)
    assert g[8] == "medium" and g[9] == "high" and g[16] == "high"
    assert g[17] == g[19] == "medium" and g[20] == "low"


def test_cn_infection_in_low_area_makes_it_high() -> None:
    g = grades(CN, {0: ["infection"], 7: ["round_negative"], 13: ["infection"]})
    assert g[12] == "low" and g[13] == "high"


def test_cn_infection_on_the_day_the_downgrade_takes_effect_keeps_it_high() -> None:
    g = grades(CN, {0: ["infection"], 7: ["round_negative"], 8: ["infection"]})
    assert g[8] == "high" and g[15] == "high"


def test_cn_stay_in_a_high_area_changes_nothing() -> None:
    g = grades(CN, {0: ["infection"], 3: ["stay"], 7: ["round_negative"]})
    assert g[8] == "medium"


def test_cn_press_summary_reading_lifts_direct_medium_after_3_days_with_a_round() -> None:
    g = grades(CN, {0: ["stay"], 3: ["round_negative"]},
               overrides="grading.downgrade.medium.reading=press_summary")
    assert g[3] == "medium" and g[4] == "low"


def test_cn_incomplete_round_counts_for_nothing() -> None:
    g = grades(CN, {0: ["infection"], 7: ["round_incomplete"]})
    assert g[8] == "high"


def test_cn_state_tells_case_free_day_and_earliest_dates() -> None:
    state = state_on(rules_of(CN), [AreaEvent(D0, "infection", "case 1")], day(3))
    assert (state.grade, state.since, state.case_free_day, state.days_required) == \
        ("high", D0, 3, 7)
    assert state.round_needed and state.next_grade == "medium"
    assert state.next_step == day(8) and state.earliest_lift == day(11)
    assert [e.ref for e in state.reasons] == ["case 1"]


def test_cn_state_of_a_medium_area_come_down_from_high() -> None:
    events = [AreaEvent(D0, "infection"), AreaEvent(day(7), "round_negative")]
    state = state_on(rules_of(CN), events, day(9))
    assert state.grade == "medium" and state.came_from_higher and not state.round_needed
    assert state.case_free_day == 2 and state.next_step == day(11) == state.earliest_lift


def test_state_before_any_event_is_none() -> None:
    assert state_on(rules_of(CN), [AreaEvent(day(5), "infection")], day(1)) is None


# cn-20-measures: high and low only, no round ------------------------------------------------

C20 = "cn-20-measures"


def test_c20_high_goes_low_after_5_case_free_days_effective_next_day() -> None:
    g = grades(C20, {0: ["infection"]})
    assert [g[n] for n in range(6)] == ["high"] * 6
    assert g[6] == "low"


def test_c20_stay_is_high_too() -> None:
    assert grades(C20, {0: ["stay"]}, last=0)[0] == "high"


def test_c20_new_infection_restarts_the_5_days() -> None:
    g = grades(C20, {0: ["infection"], 3: ["infection"]})
    assert g[8] == "high" and g[9] == "low"


def test_c20_positive_round_restarts_the_5_days() -> None:
    g = grades(C20, {0: ["infection"], 5: ["round_positive"]})
    assert g[6] == "high" and g[10] == "high" and g[11] == "low"


def test_c20_rounds_are_not_needed_and_do_not_hurry() -> None:
    g = grades(C20, {0: ["infection"], 2: ["round_negative"]})
    assert g[5] == "high" and g[6] == "low"


# who-generic: affected / not affected after 28 quiet days -----------------------------------

WHO = "who-generic"


def test_who_affected_for_28_case_free_days() -> None:
    g = grades(WHO, {0: ["infection"]}, last=40)
    assert g[28] == "affected" and g[29] == "not_affected"


def test_who_new_case_restarts_the_28_days() -> None:
    g = grades(WHO, {0: ["infection"], 20: ["infection"]}, last=60)
    assert g[48] == "affected" and g[49] == "not_affected"


def test_who_missed_rounds_do_not_matter() -> None:
    g = grades(WHO, {0: ["stay"], 10: ["round_positive"]}, last=60)
    assert g[38] == "affected" and g[39] == "not_affected"


# replay over many areas ---------------------------------------------------------------------

def test_replay_runs_each_area_from_its_first_event_to_30_days_after_the_last() -> None:
    events = [("A", AreaEvent(D0, "infection")), ("B", AreaEvent(day(2), "stay")),
              ("A", AreaEvent(day(7), "round_negative"))]
    rows = replay(rules_of(CN), events)
    a_rows = [r for r in rows if r[1] == "A"]
    b_rows = [r for r in rows if r[1] == "B"]
    assert a_rows[0] == (D0, "A", "high") and a_rows[-1] == (day(37), "A", "low")
    assert b_rows[0] == (day(2), "B", "medium") and len(b_rows) == 36


def test_replay_until_cuts_the_days() -> None:
    rows = replay(rules_of(CN), [("A", AreaEvent(D0, "infection"))], until=day(2))
    assert [r[2] for r in rows] == ["high"] * 3


def test_days_must_follow_each_other() -> None:
    clock = Clock(rules_of(CN))
    clock.advance(D0)
    with pytest.raises(ValueError, match="follow"):
        clock.advance(day(2))


def test_unknown_event_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event 'party'"):
        AreaEvent(D0, "party")


# bad presets: refused with the key named ----------------------------------------------------

def test_preset_with_unknown_grading_key_is_refused() -> None:
    import tomllib

    from outbreakhq.protocols import PRESET_DIR
    from outbreakhq.protocols.schema import Protocol

    data = tomllib.loads((PRESET_DIR / f"{CN}.toml").read_text(encoding="utf-8"))
    data["grading"]["downgrade"]["high"]["case_free_dayz"] = 7
    with pytest.raises(ValueError, match="case_free_dayz"):
        Protocol.model_validate(data)


def test_preset_with_negative_duration_is_refused() -> None:
    with pytest.raises(ProtocolError, match="grading.downgrade.high.case_free_days"):
        load(CN, "grading.downgrade.high.case_free_days=-1")
    with pytest.raises(ProtocolError, match="case_free_days_after_higher"):
        load(CN, "grading.downgrade.medium.case_free_days_after_higher=-3")


def test_preset_with_a_cycle_of_grades_is_refused() -> None:
    with pytest.raises(ProtocolError, match=r"grading.downgrade.medium.to: must be the next lower"):
        load(CN, "grading.downgrade.medium.to=high")


def test_preset_whose_grade_leads_nowhere_is_refused() -> None:
    with pytest.raises(ProtocolError, match="grading.downgrade.high.to: 'none' is not one of"):
        load(CN, "grading.downgrade.high.to=none")


# skipping quiet days gives the same clock as walking them ------------------------------------

@pytest.mark.parametrize("preset", [CN, C20, WHO])
def test_skipping_quiet_days_matches_walking_every_day(preset) -> None:
    import random

    from outbreakhq.zones.rules import run_clock

    rules, rng = rules_of(preset), random.Random(preset)
    kinds = ["infection", "stay", "round_negative", "round_positive", "round_incomplete"]
    for _trial in range(300):
        per_day = {}
        for _ in range(rng.randint(1, 6)):
            n = rng.randint(0, 40)
            per_day.setdefault(day(n), []).append(
                AreaEvent(day(n), rng.choices(kinds, weights=[3, 2, 5, 1, 1])[0]))
        last = day(rng.randint(min(per_day).toordinal() - D0.toordinal(), 80))
        walked, current = Clock(rules), min(per_day)
        while current <= last:
            walked.advance(current, per_day.get(current, ()))
            current += timedelta(days=1)
        skipped = run_clock(rules, per_day, last)
        assert walked.state() == skipped.state(), (per_day, last)
