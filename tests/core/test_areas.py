"""Area trees: CSV import (any row order, idempotent, all or nothing with row numbers, scoped)
and the materialised-path queries."""

from __future__ import annotations

import json
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from outbreakhq.core.actor import Actor
from outbreakhq.core.areas import import_areas_csv
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Area, AuditEvent
from outbreakhq.core.roles import Role
from tests.factories import make_area, make_user, territory

pytestmark = pytest.mark.django_db

HEADER = "code,parent_code,level,name_en,name_zh,population,shape"
SQUARE = json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
NEW_TREE = [
    "R1,,region,River Region,河区,1000000,",
    "R1P1,R1,prefecture,Upper Prefecture,上州,600000,",
    "R1P2,R1,prefecture,Lower Prefecture,下州,400000,",
    "R1P1C1,R1P1,county,Ash County,白蜡县,300000,",
    f"R1P1C1T1,R1P1C1,township,Ford Township,渡口镇,50000,\"{SQUARE.replace('"', '""')}\"",
    "R1P1C1T1M1,R1P1C1T1,community,Mill Community,磨坊社区,5000,",
    "R1P1C1T1M1Y1,R1P1C1T1M1,compound,Yard One,一号院,800,",
]


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def superuser():
    return make_user(Role.ADMIN, username="root", is_superuser=True, is_staff=True)


def state() -> list[tuple]:
    return list(Area.objects.order_by("code").values_list(
        "code", "parent__code", "root__code", "level", "name_en", "name_zh", "population",
        "shape", "path", "depth"))


def errors_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[int | None, str]]:
    return [(e.row, e.field) for e in exc.value.errors]


def test_a_new_tree_in_shuffled_row_order_is_built_with_paths_depths_and_root() -> None:
    rows = list(NEW_TREE)
    random.Random(7).shuffle(rows)

    result = import_areas_csv(actor=Actor.of(superuser()), text=csv_text(*rows))

    assert (result.created, result.updated, result.unchanged) == (7, 0, 0)
    compound = Area.objects.get(code="R1P1C1T1M1Y1")
    assert compound.path == "/R1/R1P1/R1P1C1/R1P1C1T1/R1P1C1T1M1/R1P1C1T1M1Y1/"
    assert compound.depth == 5
    assert compound.root.code == "R1"
    assert compound.parent.code == "R1P1C1T1M1"
    assert (compound.name_en, compound.name_zh, compound.population) == ("Yard One", "一号院", 800)
    root = Area.objects.get(code="R1")
    assert (root.path, root.depth, root.root, root.parent) == ("/R1/", 0, None, None)
    assert Area.objects.get(code="R1P1C1T1").shape == json.loads(SQUARE)
    assert all(a.root_id == root.pk for a in Area.objects.exclude(pk=root.pk))


def test_importing_the_same_file_twice_changes_nothing() -> None:
    by = superuser()
    text = csv_text(*NEW_TREE)
    import_areas_csv(actor=Actor.of(by), text=text)
    before = state()

    result = import_areas_csv(actor=Actor.of(by), text=text)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 7)
    assert state() == before


def test_existing_codes_are_updated_in_place() -> None:
    by = superuser()
    import_areas_csv(actor=Actor.of(by), text=csv_text(*NEW_TREE))
    ids = dict(Area.objects.values_list("code", "id"))

    result = import_areas_csv(actor=Actor.of(by), text=csv_text(
        "R1P1C1,R1P1,county,Ash County (new),白蜡县,310000,",
        "R1P1C2,R1P1,county,Elm County,榆树县,1,"))

    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    ash = Area.objects.get(code="R1P1C1")
    assert (ash.pk, ash.name_en, ash.population, ash.path) == (
        ids["R1P1C1"], "Ash County (new)", 310000, "/R1/R1P1/R1P1C1/")
    assert Area.objects.get(code="R1P1C2").path == "/R1/R1P1/R1P1C2/"


def test_a_county_admin_adds_areas_below_own_county() -> None:
    land = territory()
    admin = make_user(Role.ADMIN, land.county1)

    import_areas_csv(actor=Actor.of(admin), text=csv_text(
        "990101002001,990101002,community,New Community,,0,",
        "990101002,990101,township,New Township,,0,"))

    community = Area.objects.get(code="990101002001")
    assert community.path == land.county1.path + "990101002/990101002001/"
    assert community.root == land.region
    assert community.depth == land.county1.depth + 2


def test_header_and_byte_order_mark_and_optional_columns() -> None:
    text = "\ufeffcode,parent_code,level,name_en\nQ1,,region,Quay\nQ1A,Q1,county,Quay A\n"
    result = import_areas_csv(actor=Actor.of(superuser()), text=text)
    assert result.created == 2
    assert Area.objects.get(code="Q1A").population == 0


BAD_FILES = {
    "missing column": (
        csv_text("R1,,region,River,,1,", header="code,parent_code,name_en,name_zh,population"),
        [(1, "level")], "column is missing"),
    "unknown column": (
        csv_text("R1,,region,River,,1,,x", header=HEADER + ",colour"),
        [(1, "colour")], "unknown column"),
    "unknown level": (
        csv_text(*NEW_TREE[:2], "R1P2,R1,province,Lower,,1,"),
        [(4, "level")], "'province' is not one of"),
    "population not a number": (
        csv_text(*NEW_TREE[:2], "R1P2,R1,prefecture,Lower,,many,", "R1P3,R1,prefecture,L,,-5,",
                 "R1P4,R1,prefecture,L,,²,", "R1P5,R1,prefecture,L,,1.5,"),
        [(4, "population"), (5, "population"), (6, "population"), (7, "population")],
        "is not a whole number"),
    "duplicate code": (
        csv_text(*NEW_TREE[:3], "R1P1,R1,prefecture,Upper again,,1,"),
        [(5, "code")], "'R1P1' repeats row 3"),
    "unknown parent": (
        csv_text(*NEW_TREE[:2], "R1P2,R9,prefecture,Lower,,1,"),
        [(4, "parent_code")], "unknown area code 'R9'"),
    "cycle": (
        csv_text(NEW_TREE[0], "L1,L2,county,Loop one,,1,", "L2,L1,county,Loop two,,1,"),
        [(3, "parent_code"), (4, "parent_code")], "is part of a loop"),
    "bad geojson": (
        csv_text(NEW_TREE[0], 'R1P1,R1,prefecture,Upper,,1,"{""coordinates"": []}"',
                 "R1P2,R1,prefecture,Lower,,1,{not json"),
        [(3, "shape"), (4, "shape")], "is not a GeoJSON object"),
    "empty name": (
        csv_text(NEW_TREE[0], "R1P1,R1,prefecture,,,1,"),
        [(3, "name_en")], "is empty"),
    "control characters": (
        csv_text(NEW_TREE[0], "R1P1,R1,prefecture,Up\x00per,,1,", "R1P2,R1\x01,prefecture,L,,1,"),
        [(3, "name_en"), (4, "parent_code")], "contains control characters"),
    "too long": (
        csv_text(NEW_TREE[0], f"{'C' * 41},R1,prefecture,Upper,,1,",
                 f"R1P2,R1,prefecture,{'n' * 201},,1,"),
        [(3, "code"), (4, "name_en")], "is longer than"),
    "population beyond belief": (
        csv_text(NEW_TREE[0], "R1P1,R1,prefecture,Upper,,99999999999999999999,"),
        [(3, "population")], "is not a whole number"),
    "nul in geojson": (
        csv_text(NEW_TREE[0], 'R1P1,R1,prefecture,Upper,,1,"{""type"": ""Point\\u0000""}"'),
        [(3, "shape")], "is not a GeoJSON object"),
    "slash in code": (
        csv_text(NEW_TREE[0], "R1/P1,R1,prefecture,Upper,,1,"),
        [(3, "code")], "may hold only letters"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_malformed_file_names_rows_and_fields_and_writes_nothing(case: str) -> None:
    land = territory()
    text, expected, message = BAD_FILES[case]
    before, events = state(), AuditEvent.objects.count()

    with pytest.raises(InvalidInput) as caught:
        import_areas_csv(actor=Actor.of(superuser()), text=text)

    assert errors_of(caught) == expected
    assert all(message in str(e.message) for e in caught.value.errors)
    assert "Nothing was imported" in caught.value.message
    assert state() == before
    assert AuditEvent.objects.count() == events
    assert land.region.children.count() == 2


def test_a_code_that_differs_from_another_only_in_letter_case_is_refused() -> None:
    """SQLite compares paths without regard to ASCII case: 'b99000' would sit inside the
    scope of 'B99000'."""
    land = territory()
    before = state()
    with pytest.raises(InvalidInput) as caught:
        import_areas_csv(actor=Actor.of(superuser()), text=csv_text(
            "b99000,,region,Lower-case corps,,0,", "Q1,,region,Quay,,0,", "q1,,region,quay,,0,"))
    assert errors_of(caught) == [(2, "code"), (4, "code")]
    assert "'b99000' differs from the code 'B99000' only in letter case" in str(caught.value)
    assert state() == before
    assert land.corps_root.code == "B99000"


def test_an_areas_code_cannot_be_edited_in_the_django_admin(django_user_model) -> None:
    land = territory()
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 20))
    form = client.get(f"/admin/core/area/{land.county1.pk}/change/").context["adminform"].form
    assert "code" not in form.fields


def test_a_file_with_a_header_only_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no areas"):
        import_areas_csv(actor=Actor.of(superuser()), text=HEADER + "\n")


def test_moving_an_existing_area_to_another_parent_is_refused_by_row() -> None:
    land = territory()
    before = state()
    with pytest.raises(InvalidInput) as caught:
        import_areas_csv(actor=Actor.of(superuser()), text=csv_text(
            f"{land.county1.code},{land.pref2.code},county,Alder County,桤木县,1000,"))
    assert errors_of(caught) == [(2, "parent_code")]
    assert state() == before


def test_a_county_admin_cannot_create_areas_under_another_county() -> None:
    land = territory()
    admin = make_user(Role.ADMIN, land.county1)
    before = state()

    with pytest.raises(InvalidInput) as caught:
        import_areas_csv(actor=Actor.of(admin), text=csv_text(
            "990101009,990101,township,Mine,,0,",
            "990102009,990102,township,Not mine,,0,",
            "990102009001,990102009,community,Not mine either,,0,"))

    assert errors_of(caught) == [(3, "parent_code"), (4, "parent_code")]
    assert "990102" in str(caught.value)
    assert state() == before  # not even the row of the admin's own county
    denied = AuditEvent.objects.get(action="denied")
    assert (denied.username, denied.object_type) == (admin.username, "area_import")
    assert denied.area_path == land.county2.path


def test_a_county_admin_cannot_rename_another_county() -> None:
    land = territory()
    admin = make_user(Role.ADMIN, land.county1)
    with pytest.raises(InvalidInput) as caught:
        import_areas_csv(actor=Actor.of(admin), text=csv_text("990102,990100,county,Renamed,,1,"))
    assert errors_of(caught) == [(2, "parent_code")]
    assert Area.objects.get(code="990102").name_en == "Birch County"


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_roles_other_than_admin_cannot_import_even_in_their_own_county(role: str) -> None:
    land = territory()
    user = make_user(role, land.county1)
    with pytest.raises(InvalidInput) as caught:
        import_areas_csv(actor=Actor.of(user), text=csv_text("990101009,990101,township,Mine,,0,"))
    assert errors_of(caught) == [(2, "parent_code")]
    assert not Area.objects.filter(code="990101009").exists()


def test_only_a_superuser_creates_a_new_root() -> None:
    land = territory()
    region_admin = make_user(Role.ADMIN, land.region)
    with pytest.raises(InvalidInput) as caught:
        import_areas_csv(actor=Actor.of(region_admin), text=csv_text(*NEW_TREE[:2]))
    assert errors_of(caught) == [(2, "parent_code"), (3, "parent_code")]
    assert "new root" in str(caught.value)
    assert not Area.objects.filter(code__startswith="R1").exists()

    assert import_areas_csv(actor=Actor.of(superuser()), text=csv_text(*NEW_TREE[:2])).created == 2


def test_import_is_audited_once_with_counts() -> None:
    import_areas_csv(actor=Actor.of(superuser()), text=csv_text(*NEW_TREE))
    [event] = AuditEvent.objects.all()
    assert (event.action, event.object_type, event.username) == ("create", "area_import", "root")
    assert event.detail == {"created": 7, "updated": 0, "rows": 7}


def upload(client: Client, text: str | bytes):
    content = text.encode() if isinstance(text, str) else text
    return client.post("/areas/import/", {
        "file": SimpleUploadedFile("areas.csv", content, content_type="text/csv")})


def test_the_import_page_lists_every_wrong_row() -> None:
    land = territory()
    client = Client()
    client.force_login(make_user(Role.ADMIN, land.county1))

    response = upload(client, csv_text("990101009,990101,township,Mine,,lots,",
                                       "990101010,990101,hamlet,Mine,,0,"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "row 2, population: &#x27;lots&#x27; is not a whole number" in page
    assert "row 3, level: &#x27;hamlet&#x27; is not one of" in page
    assert not Area.objects.filter(code__in=["990101009", "990101010"]).exists()


def test_the_import_page_imports_a_good_file_and_refuses_one_that_is_not_utf8() -> None:
    land = territory()
    client = Client()
    client.force_login(make_user(Role.ADMIN, land.county1))

    refused = upload(client, "code,parent_code,level,name_en\n990101009,990101,township,"
                     "镇\n".encode("gb18030"))
    assert "not UTF-8" in refused.content.decode()
    assert not Area.objects.filter(code="990101009").exists()

    response = upload(client, csv_text("990101009,990101,township,Mine,,0,"))
    assert response.status_code == 302
    assert Area.objects.filter(code="990101009").exists()


def test_the_import_page_is_refused_to_other_roles() -> None:
    land = territory()
    client = Client()
    client.force_login(make_user(Role.TRACER, land.region))
    assert client.get("/areas/import/").status_code == 403
    assert upload(client, csv_text("990101009,990101,township,Mine,,0,")).status_code == 403
    assert not Area.objects.filter(code="990101009").exists()


def test_subtree_is_the_area_and_everything_below_it_and_nothing_beside_it() -> None:
    land = territory()
    # A sibling whose code starts with county1's code must not leak into county1's subtree.
    lookalike = make_area(land.county1.code + "9", "county", land.pref1)

    subtree = set(Area.objects.subtree(land.county1).values_list("code", flat=True))

    assert subtree == {"990101", "990101001", "990101001001", "990101001001001"}
    assert lookalike.code not in subtree
    assert set(Area.objects.subtree(land.pref1).values_list("code", flat=True)) >= {
        "990101", "990102", lookalike.code, land.compound2.code}
    assert land.corps_unit not in Area.objects.subtree(land.region)
    assert list(Area.objects.subtree(land.compound1)) == [land.compound1]


def test_ancestors_run_from_the_root_down_to_the_area() -> None:
    land = territory()
    chain = [a.code for a in land.compound1.ancestors()]
    assert chain == ["990000", "990100", "990101", "990101001", "990101001001",
                     "990101001001001"]
    assert list(land.corps_unit.ancestors()) == [land.corps_root, land.corps_unit]
    assert list(land.region.ancestors()) == [land.region]


def test_contains_and_tenant_follow_the_tree() -> None:
    land = territory()
    assert land.county1.contains(land.compound1)
    assert not land.county2.contains(land.compound1)
    assert not land.compound1.contains(land.county1)
    assert land.compound1.tenant_id == land.region.pk
    assert land.corps_unit.tenant_id == land.corps_root.pk
    assert set(Area.objects.roots()) == {land.region, land.corps_root}
