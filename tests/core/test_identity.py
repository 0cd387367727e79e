"""Identity documents: the resident ID checksum catches every typo, other documents by shape.

Pure tests: no database, no Django.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outbreakhq.core.identity import (
    InvalidDocument,
    cn_birth_date,
    cn_check_character,
    cn_sex,
    normalise_document,
    validate_cn_resident_id,
)

TODAY = date(2026, 11, 29)

areas = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True)
births = st.dates(min_value=date(1880, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


def resident_number(area: str, born: date, sequence: int) -> str:
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + cn_check_character(first17)


valid_numbers = st.builds(resident_number, areas, births, sequences)


@given(valid_numbers)
def test_a_number_with_its_check_character_is_valid(number: str) -> None:
    assert validate_cn_resident_id(number, today=TODAY) == number


@given(areas, births, sequences)
def test_birth_date_and_sex_are_read_back_from_a_valid_number(
        area: str, born: date, sequence: int) -> None:
    number = resident_number(area, born, sequence)
    assert cn_birth_date(number) == born
    assert cn_sex(number) == ("M" if sequence % 2 else "F")


@given(valid_numbers, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(number: str, position: int, shift: int) -> None:
    old = number[position]
    new = str((int(old) + shift) % 10) if old != "X" else str(shift)
    typo = number[:position] + new + number[position + 1:]
    with pytest.raises(InvalidDocument):
        validate_cn_resident_id(typo, today=TODAY)


def test_the_check_character_error_names_the_expected_character() -> None:
    number = resident_number("110105", date(1949, 10, 1), 123)
    wrong = "0" if number[-1] != "0" else "1"
    with pytest.raises(InvalidDocument, match=f"expected {number[-1]}"):
        validate_cn_resident_id(number[:-1] + wrong, today=TODAY)


def test_a_lower_case_x_is_accepted_and_returned_upper_case() -> None:
    # 11010519491231002X is the published GB 11643 example.
    assert validate_cn_resident_id("11010519491231002x", today=TODAY) == "11010519491231002X"
    assert normalise_document("cn_resident", " 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "20230229"])
def test_a_number_whose_birth_date_does_not_exist_is_refused(birth: str) -> None:
    first17 = f"110105{birth}123"
    with pytest.raises(InvalidDocument, match="not a valid birth date"):
        validate_cn_resident_id(first17 + cn_check_character(first17), today=TODAY)


def test_a_birth_in_the_future_is_refused() -> None:
    number = resident_number("110105", TODAY + timedelta(days=1), 123)
    with pytest.raises(InvalidDocument, match="impossible"):
        validate_cn_resident_id(number, today=TODAY)


def test_a_birth_before_1880_is_refused() -> None:
    number = resident_number("110105", date(1879, 12, 31), 123)
    with pytest.raises(InvalidDocument, match="impossible"):
        validate_cn_resident_id(number, today=TODAY)


def test_someone_born_today_is_accepted() -> None:
    number = resident_number("110105", TODAY, 123)
    assert validate_cn_resident_id(number, today=TODAY) == number


@pytest.mark.parametrize("number", ["", "12345", "1101051949123100", "1101051949123100233",
                                    "11010519491231002Y", "X10105194912310023", "１１０１０５"])
def test_a_number_of_the_wrong_shape_says_what_the_shape_is(number: str) -> None:
    with pytest.raises(InvalidDocument, match="17 digits followed by a digit or X"):
        validate_cn_resident_id(number, today=TODAY)


@pytest.mark.parametrize(("id_type", "number", "normalised"), [
    ("passport", "e1234 5678", "E12345678"),
    ("passport", "G1234", "G1234"),
    ("hk_macau", "h12345678", "H12345678"),
    ("hk_macau", "M1234567890", "M1234567890"),
    ("taiwan", "12345678", "12345678"),
    ("foreign_resident", "usa110079060101", "USA110079060101"),
    ("foreign_resident", "911000199001010011", "911000199001010011"),
    ("other", "ab-12", "AB-12"),
])
def test_other_documents_of_the_right_shape_are_normalised(
        id_type: str, number: str, normalised: str) -> None:
    assert normalise_document(id_type, number) == normalised


@pytest.mark.parametrize(("id_type", "number", "message"), [
    ("passport", "E12", "passport number (5 to 17 letters or digits)"),
    ("passport", "E1234567890123456789", "passport number (5 to 17 letters or digits)"),
    ("passport", "E1234/567", "passport number (5 to 17 letters or digits)"),
    ("hk_macau", "C12345678", "hk macau number (H or M followed by 8 or 10 digits)"),
    ("hk_macau", "H123456789", "hk macau number (H or M followed by 8 or 10 digits)"),
    ("taiwan", "1234567", "taiwan number (8 digits)"),
    ("taiwan", "T1234567", "taiwan number (8 digits)"),
    ("foreign_resident", "US1100790601011",
     "foreign resident number (3 letters and 12 digits, or 18 digits starting with 9)"),
    ("foreign_resident", "811000199001010011",
     "foreign resident number (3 letters and 12 digits, or 18 digits starting with 9)"),
    ("other", "AB_12", "other number (letters, digits or dashes)"),
])
def test_other_documents_of_the_wrong_shape_are_refused_with_their_shape(
        id_type: str, number: str, message: str) -> None:
    with pytest.raises(InvalidDocument) as caught:
        normalise_document(id_type, number)
    assert str(caught.value) == f"does not look like a {message}"


def test_an_empty_number_for_a_document_type_is_refused() -> None:
    with pytest.raises(InvalidDocument, match="empty"):
        normalise_document("passport", "   ")


def test_no_document_means_no_number() -> None:
    assert normalise_document("none", "  ") == ""
    with pytest.raises(InvalidDocument, match="no document"):
        normalise_document("none", "E12345678")


def test_an_unknown_document_type_is_refused_by_name() -> None:
    with pytest.raises(InvalidDocument, match="unknown document type 'library_card'"):
        normalise_document("library_card", "12345")


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def test_a_number_typed_in_full_width_characters_is_stored_in_ascii() -> None:
    # Chinese input methods often type full-width digits and letters.
    number = resident_number("110105", date(1980, 1, 1), 1)
    assert normalise_document("cn_resident", _full_width(number)) == number
    assert normalise_document("cn_resident", _full_width("11010519491231002x")) == \
        "11010519491231002X"
    assert normalise_document("passport", _full_width("E12345678")) == "E12345678"


@pytest.mark.parametrize("id_type", ["cn_resident", "taiwan", "hk_macau", "foreign_resident"])
def test_digits_of_other_scripts_are_refused(id_type: str) -> None:
    arabic_indic = "".join(chr(0x660 + int(c)) for c in "110105198001010016")
    samples = {"cn_resident": arabic_indic, "taiwan": arabic_indic[:8],
               "hk_macau": "H" + arabic_indic[:8], "foreign_resident": "9" + arabic_indic[1:]}
    with pytest.raises(InvalidDocument):
        normalise_document(id_type, samples[id_type])
