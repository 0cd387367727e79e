"""Synthetic identity numbers, phones, birth dates and addresses, built as whole arrays.

Resident identity numbers follow GB 11643-1999 (6-digit area code, birth date, 3-digit sequence,
odd for men and even for women, ISO 7064 MOD 11-2 check character), so they pass
`outbreakhq.core.identity.validate_cn_resident_id`; their area code starts with province 99,
which does not exist, so no generated number can be a real person's.

Phones are 11 digits starting with 100: Chinese mobile numbers start with 13-19 and 100 is not
allocated to any subscriber, so these numbers reach no one. They are "100" followed by the
person's 1-based position, zero-padded to 8 digits (unique up to 99,999,999 people).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from outbreakhq.simulate.names import STR

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
PHONE_PREFIX = 100
EPOCH = date(1970, 1, 1)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits of each value as a (n, width) int64 matrix, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values.astype(np.int64)[:, None] // powers) % 10


def _as_bytes(digits: np.ndarray, width: int) -> np.ndarray:
    chars = np.ascontiguousarray(digits.astype(np.uint8))
    return chars.view(f"S{width}").ravel()


def birth_days(rng: np.random.Generator, *, age: np.ndarray, start_date: date) -> np.ndarray:
    """Days since 1970-01-01 of a birth date that makes each person `age` on `start_date`."""
    start = (start_date - EPOCH).days
    offset = np.floor(age * 365.25 + rng.uniform(0, 365, size=age.size)).astype(np.int32)
    return start - offset


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    stamp = days.astype("datetime64[D]")
    year = stamp.astype("datetime64[Y]").astype(np.int64) + 1970
    month = stamp.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (stamp - stamp.astype("datetime64[M]")).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


def _sequence(county_code: np.ndarray, birth_day: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Order number among people of one county, birth date and sex: odd men, even women."""
    order = np.lexsort((male, birth_day, county_code))
    keys = np.stack([county_code[order], birth_day[order], male[order]])
    new = np.concatenate([[True], np.any(keys[:, 1:] != keys[:, :-1], axis=0)])
    start = np.maximum.accumulate(np.where(new, np.arange(order.size), 0))
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size) - start
    sequence = 2 * rank + np.where(male, 1, 2)
    if sequence.size and sequence.max() > 999:
        raise ValueError("more than 499 people share a county, birth date and sex")
    return sequence


def resident_ids(*, county_code: np.ndarray, birth_day: np.ndarray, male: np.ndarray
                 ) -> np.ndarray:
    """18-character resident identity numbers (bytes, S18) with a valid check character."""
    first17 = np.concatenate([
        _digits(county_code, 6), _digits(yyyymmdd(birth_day), 8),
        _digits(_sequence(county_code, birth_day, male), 3)], axis=1)
    check = _CHECK[(first17 @ _WEIGHTS) % 11]
    chars = np.concatenate([first17 + ord("0"), check[:, None]], axis=1)
    return _as_bytes(chars, 18)


def phones(*, count: int) -> np.ndarray:
    numbers = PHONE_PREFIX * 10**8 + np.arange(1, count + 1, dtype=np.int64)
    return _as_bytes(_digits(numbers, 11) + ord("0"), 11)


def addresses(*, compound_zh: np.ndarray, building: np.ndarray, floor: np.ndarray,
              door: np.ndarray) -> np.ndarray:
    """'安宁小区3号楼502室' for each household (StringDType)."""
    room = (floor * 100 + door).astype(STR)
    text = np.strings.add(compound_zh.astype(STR), building.astype(STR))
    text = np.strings.add(text, "号楼")
    return np.strings.add(np.strings.add(text, room), "室")
