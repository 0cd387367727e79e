from __future__ import annotations

from datetime import date

import numpy as np

from outbreakhq.core.identity import cn_birth_date, cn_sex, validate_cn_resident_id
from outbreakhq.simulate import identities


def test_identity_numbers_pass_the_validator_and_encode_birth_date_and_sex():
    rng = np.random.default_rng(3)
    age = rng.integers(0, 100, size=5_000).astype(np.int16)
    born = identities.birth_days(rng, age=age, start_date=date(2022, 8, 1))
    male = rng.random(5_000) < 0.5
    county = np.full(5_000, 990101)
    numbers = identities.resident_ids(county_code=county, birth_day=born, male=male)
    for number, days, is_male in zip(numbers, born, male, strict=True):
        text = number.decode()
        assert validate_cn_resident_id(text, today=date(2022, 8, 1)) == text
        assert text.startswith("99")  # province 99 does not exist: clearly synthetic
        assert cn_birth_date(text) == date(1970, 1, 1) + np.timedelta64(int(days), "D").item()
        assert cn_sex(text) == ("M" if is_male else "F")
    assert len(set(numbers.tolist())) == numbers.size


def test_people_born_the_same_day_in_one_county_get_distinct_sequence_numbers():
    born = np.full(300, 12_000)
    numbers = identities.resident_ids(county_code=np.full(300, 990101), birth_day=born,
                                      male=np.arange(300) % 2 == 0)
    assert len(set(numbers.tolist())) == 300


def test_phones_are_unique_eleven_digits_in_the_unallocated_100_range():
    phones = identities.phones(count=1_000)
    assert all(len(p) == 11 and p.startswith(b"100") for p in phones)
    assert len(set(phones.tolist())) == 1_000
