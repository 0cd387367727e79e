"""Duplicate candidates: the matching rules read as sentences, then the scoped, blocked queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from outbreakhq.core import dedup, matching
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotFound, NotPermitted
from outbreakhq.core.merge import dismiss_pair
from outbreakhq.core.models import AuditEvent, AuditShown, DismissedPair
from tests.factories import make_person, make_user, resident_id

BORN = date(1985, 6, 15)


def rec(pk: int, name: str, **fields) -> dict:
    row = {"id": pk, "tenant_id": 1, "name": name, "sex": "M", "birth_date": None,
           "id_type": "none", "id_number": "", "phone": "", "home_area_id": 1}
    return {**row, **fields}


# --- pure rules ----------------------------------------------------------------------------

def test_names_compare_without_case_spaces_punctuation_or_accents() -> None:
    assert matching.normalise_name(" Wáng-Fāng ") == "wangfang"
    assert matching.name_similarity("WANG Fang", "wang-fang") == 1.0


def test_swapped_romanised_name_counts_as_similar() -> None:
    assert matching.name_similarity("Wang Fang", "Fang Wang") >= 0.95


def test_one_typo_in_a_latin_name_is_similar_but_another_name_is_not() -> None:
    assert matching.similar_enough("Zhang Wei", "Zhang Wie", matching.name_similarity(
        "Zhang Wei", "Zhang Wie"))
    assert not matching.similar_enough("Zhang Wei", "Li Hua", matching.name_similarity(
        "Zhang Wei", "Li Hua"))


def test_one_homophone_in_a_three_character_chinese_name_is_similar() -> None:
    similarity = matching.name_similarity("王芳芳", "王方芳")
    assert matching.similar_enough("王芳芳", "王方芳", similarity)
    assert not matching.similar_enough("王芳", "李华", matching.name_similarity("王芳", "李华"))


def test_same_document_is_certain_whatever_else() -> None:
    pair = matching.assess(rec(1, "Wang Fang", id_type="passport", id_number="E123456"),
                        rec(2, "Wang F.", id_type="passport", id_number="E123456"))
    assert pair.kind == "document" and pair.certain
    assert "same_document" in pair.reasons


def test_same_number_under_another_document_type_is_not_a_document_match() -> None:
    pair = matching.assess(rec(1, "Wang Fang", id_type="passport", id_number="E123456"),
                        rec(2, "Li Hua", id_type="other", id_number="E123456"))
    assert pair is None


def test_same_birth_date_and_similar_name_is_a_candidate() -> None:
    pair = matching.assess(rec(2, "Zhang Wei", birth_date=BORN),
                           rec(1, "Zhang Wie", birth_date=BORN))
    assert pair.kind == "birth"
    assert pair.key == (1, 2)
    assert set(pair.reasons) >= {"same_birth_date", "similar_name"}


def test_same_birth_date_and_same_phone_is_a_candidate_whatever_the_name() -> None:
    pair = matching.assess(rec(1, "王芳", birth_date=BORN, phone="13800001111"),
                           rec(2, "王方", birth_date=BORN, phone="13800001111"))
    assert pair.kind == "birth"
    assert "different_name" in pair.reasons
    assert len(matching.pairs_in_block("birth", [pair.left, pair.right], set())) == 1
    assert matching.pairs_in_block("phone", [pair.left, pair.right], set()) == []


def test_same_birth_date_alone_is_not_a_candidate() -> None:
    assert matching.assess(rec(1, "Zhang Wei", birth_date=BORN),
                        rec(2, "Li Hua", birth_date=BORN)) is None


def test_same_phone_and_similar_name_is_a_candidate() -> None:
    pair = matching.assess(rec(1, "Chen Jie", phone="13800001111"),
                        rec(2, "Chen  Jie.", phone="13800001111"))
    assert pair.kind == "phone"
    assert set(pair.reasons) >= {"same_phone", "same_name"}


def test_twins_score_lower_than_a_record_typed_twice() -> None:
    twice = matching.assess(rec(1, "Liu Yang", birth_date=BORN),
                            rec(2, "Liu Yang", birth_date=BORN))
    twins = matching.assess(
        rec(1, "Liu Yang", birth_date=BORN, id_type="cn_resident", id_number="A", sex="M"),
        rec(2, "Liu Yan", birth_date=BORN, id_type="cn_resident", id_number="B", sex="F"))
    assert twins.score < twice.score
    assert {"different_sex", "different_document"} <= set(twins.reasons)


def test_a_pair_is_listed_only_under_its_first_block() -> None:
    a = rec(1, "Liu Yang", birth_date=BORN, phone="1", id_type="passport", id_number="P1")
    b = rec(2, "Liu Yang", birth_date=BORN, phone="1", id_type="passport", id_number="P1")
    assert len(matching.pairs_in_block("document", [a, b], set())) == 1
    assert matching.pairs_in_block("birth", [a, b], set()) == []
    assert matching.pairs_in_block("phone", [a, b], set()) == []


def test_dismissed_pair_is_not_proposed() -> None:
    a, b = rec(1, "Liu Yang", birth_date=BORN), rec(2, "Liu Yang", birth_date=BORN)
    assert matching.pairs_in_block("birth", [a, b], {(1, 2)}) == []


def test_people_of_two_trees_are_never_a_pair() -> None:
    assert matching.assess(rec(1, "Liu Yang", birth_date=BORN),
                        rec(2, "Liu Yang", birth_date=BORN, tenant_id=2)) is None


def test_cursor_round_trips_and_a_damaged_one_is_refused() -> None:
    cursor = dedup.Cursor("birth", (7, BORN))
    assert dedup.Cursor.decode(cursor.encode()) == cursor
    with pytest.raises(InvalidInput):
        dedup.Cursor.decode("not-a-cursor")


# --- queries over the database -------------------------------------------------------------


def keys(page: dedup.DuplicatePage) -> set[tuple[int, int]]:
    return {c.key for c in page.candidates}


@pytest.mark.django_db
def test_finds_same_id_similar_name_with_birth_date_and_same_phone(land) -> None:
    tracer = make_user("tracer", land.county1)
    number = resident_id(BORN, 77)
    by_id = (make_person(land.compound1, name="Zhao Lei", id_number=number),
             make_person(land.compound1, name="Zhao L.", id_number=number))
    by_birth = (make_person(land.compound1, name="Sun Mei", birth_date=BORN, phone="13900000001"),
                make_person(land.compound1, name="Sun  Mei", birth_date=BORN,
                            id_type="none", id_number="", phone="13900000002"))
    by_phone = (make_person(land.compound1, name="Qian Bo", phone="13700000000"),
                make_person(land.compound1, name="Qian Bo", phone="13700000000",
                            birth_date=date(1990, 1, 1), id_type="none", id_number=""))
    make_person(land.compound1, name="Unrelated", birth_date=BORN)

    page = dedup.find_duplicates(actor=Actor.of(tracer))

    kinds = {c.key: c.kind for c in page.candidates}
    assert kinds == {(by_id[0].pk, by_id[1].pk): "document",
                     (by_birth[0].pk, by_birth[1].pk): "birth",
                     (by_phone[0].pk, by_phone[1].pk): "phone"}
    assert [c.score for c in page.candidates] == sorted(
        (c.score for c in page.candidates), reverse=True)
    [event] = AuditEvent.objects.filter(action="search", detail__kind="duplicates")
    both_sides = {pk for pair in (by_id, by_birth, by_phone) for pk in (pair[0].pk, pair[1].pk)}
    assert set(AuditShown.objects.filter(event_id=event.pk)
               .values_list("person_id", flat=True)) == both_sides


@pytest.mark.django_db
def test_pairs_across_counties_the_user_cannot_see_or_across_trees_are_not_found(land) -> None:
    tracer = make_user("tracer", land.county1)
    make_person(land.compound1, name="Wu Di", birth_date=BORN)
    make_person(land.compound2, name="Wu Di", birth_date=BORN)  # county2: not the tracer's
    regional = make_user("tracer", land.region, land.corps_root)
    make_person(land.corps_unit, name="Wu Di", birth_date=BORN)  # the parallel tree

    assert dedup.find_duplicates(actor=Actor.of(tracer)).candidates == []
    found = dedup.find_duplicates(actor=Actor.of(regional)).candidates
    assert len(found) == 1
    assert found[0].left["tenant_id"] == found[0].right["tenant_id"] == land.region.pk


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["commander", "screening", "community"])
def test_a_role_that_may_not_merge_people_is_refused_the_pairs(land, role) -> None:
    """Registering people is not merging them: merging moves cases and contacts between
    records, the epidemiologist's decision (core/roles.py)."""
    user = make_user(role, land.county1)
    make_person(land.compound1, name="Wu Di", birth_date=BORN)
    make_person(land.compound1, name="Wu Di", birth_date=BORN)
    with pytest.raises(NotPermitted):
        dedup.find_duplicates(actor=Actor.of(user))


@pytest.mark.django_db
def test_dismissed_pairs_stay_dismissed(land) -> None:
    tracer = make_user("tracer", land.county1)
    a = make_person(land.compound1, name="Wu Di", birth_date=BORN)
    b = make_person(land.compound1, name="Wu Di", birth_date=BORN)
    assert keys(dedup.find_duplicates(actor=Actor.of(tracer))) == {(a.pk, b.pk)}

    dismiss_pair(actor=Actor.of(tracer), person_ids=(b.pk, a.pk))
    dismiss_pair(actor=Actor.of(tracer), person_ids=(a.pk, b.pk))  # twice changes nothing

    assert DismissedPair.objects.count() == 1
    assert dedup.find_duplicates(actor=Actor.of(tracer)).candidates == []
    assert dedup.find_duplicates(actor=Actor.of(make_user("tracer", land.region))).candidates == []


@pytest.mark.django_db
def test_dismissing_a_pair_outside_the_scope_is_refused_and_audited(land) -> None:
    tracer = make_user("tracer", land.county1)
    a = make_person(land.compound1, name="Wu Di", birth_date=BORN)
    b = make_person(land.compound2, name="Wu Di", birth_date=BORN)
    with pytest.raises(NotFound):  # outside the scope: as if it did not exist
        dismiss_pair(actor=Actor.of(tracer), person_ids=(a.pk, b.pk))
    assert not DismissedPair.objects.exists()
    assert AuditEvent.objects.filter(action="denied", person_id=b.pk).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("batch", [1000, 2])
def test_pages_follow_one_another_without_repeats_or_gaps(land, monkeypatch, batch) -> None:
    monkeypatch.setattr(dedup, "BLOCK_BATCH", batch)  # 2: blocks are read in several queries
    tracer = make_user("tracer", land.county1)
    expected = set()
    for day in range(1, 8):
        born = date(1970, 1, day)
        a = make_person(land.compound1, name=f"Ma Li {day}", birth_date=born)
        b = make_person(land.compound1, name=f"Ma Li {day}", birth_date=born)
        expected.add((a.pk, b.pk))

    seen: list[tuple[int, int]] = []
    after, pages = "", 0
    while True:
        page = dedup.find_duplicates(actor=Actor.of(tracer), after=after, limit=3)
        seen += [c.key for c in page.candidates]
        pages += 1
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert sorted(seen) == sorted(expected)
    assert pages == 3


@pytest.mark.django_db
def test_a_block_too_big_to_be_one_person_is_skipped_and_counted(land, monkeypatch) -> None:
    monkeypatch.setattr(dedup, "MAX_BLOCK", 3)
    tracer = make_user("tracer", land.county1)
    for _ in range(4):
        make_person(land.compound1, name="Shared Phone", phone="12345678", id_type="none",
                    id_number="")
    page = dedup.find_duplicates(actor=Actor.of(tracer))
    assert page.candidates == []
    assert page.skipped == 4


@pytest.mark.django_db
def test_duplicates_page_and_api_list_pairs_in_scope(land) -> None:
    tracer = make_user("tracer", land.county1)
    a = make_person(land.compound1, name="Wu Di", birth_date=BORN)
    b = make_person(land.compound1, name="Wu  Di", birth_date=BORN, id_type="none",
                    id_number="")
    client = Client()
    client.force_login(tracer)

    page = client.get("/duplicates/")
    assert page.status_code == 200
    assert f"/duplicates/{a.pk}/{b.pk}/".encode() in page.content

    api = client.get("/api/v1/people/duplicates")
    assert api.status_code == 200
    body = api.json()
    assert [(p["left"]["id"], p["right"]["id"]) for p in body["items"]] == [(a.pk, b.pk)]
    assert body["items"][0]["kind"] == "birth"
    assert body["next"] == ""

    dismissed = client.post("/api/v1/people/duplicates/dismiss", {"person_ids": [b.pk, a.pk]},
                            content_type="application/json")
    assert dismissed.status_code == 204
    assert client.get("/api/v1/people/duplicates").json()["items"] == []


@pytest.mark.django_db
def test_empty_duplicates_page_says_so(land) -> None:
    client = Client()
    client.force_login(make_user("tracer", land.county1))
    page = client.get("/duplicates/")
    assert b"No possible duplicates" in page.content


@pytest.mark.django_db
def test_namesakes_with_different_identity_numbers_are_shown_only_on_request(land) -> None:
    tracer = make_user("tracer", land.county1)
    a = make_person(land.compound1, name="Wu Di", birth_date=BORN)
    b = make_person(land.compound1, name="Wu Di", birth_date=BORN)  # another valid ID number
    assert [c.score for c in dedup.find_duplicates(actor=Actor.of(tracer)).candidates] == [44]
    assert dedup.find_duplicates(actor=Actor.of(tracer), min_score=50).candidates == []

    client = Client()
    client.force_login(tracer)
    link = f"/duplicates/{a.pk}/{b.pk}/".encode()
    assert link not in client.get("/duplicates/").content
    assert link in client.get("/duplicates/", {"min": "0"}).content
    assert client.get("/api/v1/people/duplicates", {"min_score": 50}).json()["items"] == []


@pytest.mark.django_db
def test_a_page_reads_a_bounded_number_of_blocks_even_when_none_qualifies(
        land, monkeypatch) -> None:
    monkeypatch.setattr(dedup, "BLOCKS_PER_PAGE", 2)
    tracer = make_user("tracer", land.county1)
    for day in range(1, 6):
        for _ in range(2):
            make_person(land.compound1, name="Hu Jun", birth_date=date(1960, 1, day))
    first = dedup.find_duplicates(actor=Actor.of(tracer), min_score=50)
    assert first.candidates == [] and first.next_cursor
    pages, after = 0, ""
    while True:
        page = dedup.find_duplicates(actor=Actor.of(tracer), min_score=0, after=after)
        pages += 1
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert pages == 3
