"""core/bulk.py's batch helpers of issue 14: instances made without Django's per-field loop are
the instances Model(**values) makes, and rows inserted from plain dicts are stored as
insert_models stores instances (defaults, dates, auto-now stamps)."""

from __future__ import annotations

import gc
from datetime import date

import pytest

from outbreakhq.core import bulk
from outbreakhq.core.models import Area, Person
from outbreakhq.tracing.models import Case, Exposure
from tests.factories import make_person, territory


def own(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


def test_maker_makes_the_instance_the_model_makes():
    area = Area(id=7, code="x", path="/x/", depth=0)
    person = Person(tenant_id=7, name="Ash", home_area=area)
    made = bulk.maker(Person)(tenant_id=7, name="Ash", home_area=area)
    assert own(made) == own(person)
    values = {"tenant_id": 7, "area": area, "person": person, "external_id": "E1",
              "classification": "confirmed", "report_date": date(2026, 1, 2),
              "created_by": None}
    case, fast = Case(**values), bulk.maker(Case)(**values)
    assert own(fast) == own(case)
    assert fast.person is person and fast.area is area and fast.created_by is None
    assert fast._state.adding and fast._state.db is None


@pytest.mark.django_db
def test_insert_values_stores_rows_as_instances_are_stored():
    land = territory()
    case = Case.objects.create(tenant_id=land.region.tenant_id, area=land.compound1,
                               person=make_person(land.compound1, name="Ash"),
                               external_id="A-1", classification="confirmed",
                               report_date=date(2026, 1, 5), detection_route="clinic")
    ids = bulk.insert_values(Exposure, [
        {"tenant_id": case.tenant_id, "case_id": case.pk, "setting": "household",
         "date": date(2026, 1, 2)},
        {"tenant_id": case.tenant_id, "case_id": case.pk, "setting": "other", "date": None}])
    stored = {e.pk: e for e in Exposure.objects.filter(case=case)}
    assert sorted(stored) == ids
    assert (stored[ids[0]].setting, stored[ids[0]].date, stored[ids[0]].description) == (
        "household", date(2026, 1, 2), "")
    assert stored[ids[1]].date is None


def test_the_collector_is_paused_only_while_a_batch_is_written():
    assert gc.isenabled()
    with bulk.collector_paused():
        assert not gc.isenabled()
        with bulk.collector_paused():  # nested: left to the outer one
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), bulk.collector_paused():
        raise ValueError
    assert gc.isenabled()


@pytest.mark.django_db
def test_with_ids_reads_exactly_the_ids_asked_for_whether_they_fill_their_range_or_not():
    land = territory()
    ids = [make_person(land.compound1, name=f"P{i}").pk for i in range(4)]
    people = Person.objects.all()
    assert sorted(bulk.with_ids(people, ids[:3]).values_list("pk", flat=True)) == ids[:3]
    # A gap in the range: the person inside it is not read.
    assert sorted(bulk.with_ids(people, [ids[0], ids[2], ids[3]])
                  .values_list("pk", flat=True)) == [ids[0], ids[2], ids[3]]
    assert list(bulk.with_ids(people, [])) == []


@pytest.mark.django_db
def test_write_lists_stores_python_columns_as_the_orm_stores_them():
    """Numbers, text, a date and timestamps written from Python lists (SQLite: as they are;
    PostgreSQL: through Arrow's CSV for COPY) read back as the ORM reads its own rows."""
    import pyarrow as pa
    from django.utils import timezone

    land = territory()
    when = timezone.now().replace(microsecond=123456)
    ids = bulk.allocate_ids(Person._meta.db_table, 2)
    text, stamp = pa.string(), pa.timestamp("us", tz="UTC")
    assert bulk.write_lists(Person._meta.db_table, {
        "id": (ids, pa.int64()), "tenant_id": ([land.region.tenant_id] * 2, pa.int64()),
        "name": (["Ash", ""], text), "sex": (["F", "U"], text),
        "birth_date": ([date(1990, 5, 17), None], pa.date32()),
        "id_type": (["none"] * 2, text), "id_number": (["", ""], text),
        "phone": (["136", ""], text), "home_area_id": ([land.compound1.pk] * 2, pa.int64()),
        "address": (["1 Road", ""], text),
        "created_at": ([when] * 2, stamp), "updated_at": ([when] * 2, stamp)}) == 2
    ash, blank = Person.objects.get(pk=ids[0]), Person.objects.get(pk=ids[1])
    assert (ash.name, ash.sex, ash.birth_date, ash.phone, ash.home_area_id) == (
        "Ash", "F", date(1990, 5, 17), "136", land.compound1.pk)
    assert ash.created_at == when and blank.birth_date is None and blank.name == ""
