"""Daily figures follow the records and roll up through the area tree."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Sum

from outbreakhq.command import aggregates
from outbreakhq.command.figures import child_rows, figures_for
from outbreakhq.command.models import DailyFigure, DailyTotal
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent
from outbreakhq.tracing import services
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Case
from tests.tracing.conftest import ago


def _snapshot():
    fields = ("area_id", "day", "route", "under_control", "cases_reported", "cases_by_onset",
              "contacts_new")
    totals = [row for row in DailyTotal.objects.values_list(*fields) if any(row[4:])]
    return sorted(DailyFigure.objects.values_list(*fields)), sorted(totals)


def test_figures_kept_by_events_equal_a_full_rebuild(outbreak):
    kept = _snapshot()
    assert kept[0] and kept[1]
    aggregates.rebuild()
    assert _snapshot() == kept


def test_a_reclassified_case_leaves_the_counts(outbreak):
    region = outbreak.land.region
    before = figures_for(region, today()).today_cases
    case = Case.objects.filter(report_date=today(), area=outbreak.land.compound1).first()
    services.update_case(actor=Actor.of(outbreak.tracer), case_id=case.pk,
                         changes={"classification": "discarded"})
    assert figures_for(region, today()).today_cases == before - 1


def test_a_parent_equals_the_sum_of_its_children(outbreak):
    land, day = outbreak.land, today()
    region = figures_for(land.region, day, with_rt=False)
    prefectures = [figures_for(p, day, with_rt=False) for p in (land.pref1, land.pref2)]
    assert region.reported == [sum(v) for v in zip(*(p.reported for p in prefectures),
                                                    strict=True)]
    assert region.under_control == [sum(v) for v in zip(*(p.under_control for p in prefectures),
                                                         strict=True)]
    # The region's totals are the sums of its own records' figures over its whole subtree.
    by_path = DailyFigure.objects.filter(area_path__startswith=land.region.path).aggregate(
        n=Sum("cases_reported"))["n"]
    assert DailyTotal.objects.filter(area=land.region).aggregate(
        n=Sum("cases_reported"))["n"] == by_path
    rows = child_rows(land.region, day)
    assert [r["area"].code for r in rows] == [land.pref1.code, land.pref2.code]
    assert sum(r["week"] for r in rows) == region.week_cases
    counted = Case.objects.filter(classification__in=aggregates.COUNTED).count()
    assert DailyFigure.objects.aggregate(n=Sum("cases_reported"))["n"] == counted
    assert region.total_cases == Case.objects.filter(
        classification__in=aggregates.COUNTED, report_date__gte=ago(55)).count()


def test_routes_and_under_control_are_counted(outbreak):
    f = figures_for(outbreak.land.county2, today(), with_rt=False)
    assert f.today_cases == 2 and f.today_under_control == 2
    assert [(code, n) for code, _label, n in f.today_by_route] == [("quarantine_testing", 2)]
    c3 = figures_for(outbreak.land.county3, today(), with_rt=False)
    assert c3.contacts[-1] == 1 and f.contacts[-1] == 2  # a contact sits where they live


def test_the_rebuild_command(outbreak, capsys):
    DailyFigure.objects.all().delete()
    DailyTotal.objects.all().delete()
    call_command("aggregates", "rebuild", "--region", outbreak.land.region.code)
    assert "daily figure rows written" in capsys.readouterr().out
    assert figures_for(outbreak.land.region, today()).today_cases > 0


def test_the_dashboards_rt_uses_imported_cases_as_infectors_only(outbreak):
    f = figures_for(outbreak.land.region, today())
    assert f.rt and f.rt_days[-1] == today()
    assert f.latest_rt.mean > 0


def test_an_imported_line_list_moves_the_figures_as_a_rebuild_would(db, tmp_path):
    from tests.tracing.conftest import tracer_land
    from tests.tracing.test_import import CASE_HEADER, case_rows, ids, import_file, write_csv

    land = tracer_land()
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                         case_rows(land, ids(3))))
    kept = _snapshot()
    assert DailyTotal.objects.filter(area=land.region).aggregate(
        n=Sum("cases_reported"))["n"] == Case.objects.filter(
        classification__in=aggregates.COUNTED).count() > 0
    aggregates.rebuild()
    assert _snapshot() == kept


def test_imports_in_batches_add_to_stored_figures_as_a_rebuild_would(db, tmp_path,
                                                                     monkeypatch):
    """An import batch adds its new records' counts (aggregates.add_new) rather than recounting
    the areas: onto figures that already exist, batch after batch, cases and contacts."""
    from outbreakhq.interop import pipeline
    from tests.tracing.conftest import tracer_land
    from tests.tracing.test_import import (
        CASE_HEADER,
        CONTACT_HEADER,
        case_rows,
        cn,
        ids,
        import_file,
        write_csv,
    )

    land = tracer_land()
    numbers = ids(5)
    rows = case_rows(land, numbers)
    import_file(land, "cases", write_csv(tmp_path / "a.csv", CASE_HEADER, rows[:1]))
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 1)  # SQLite: one transaction a row
    import_file(land, "cases", write_csv(tmp_path / "b.csv", CASE_HEADER, rows))
    home = land.compound1.code
    import_file(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER, [
        ["K1", "Sun Li", numbers[3], home, "C1", "家庭", cn(ago(4))],
        ["K2", "Qian Yu", numbers[4], home, "C3", "同事", cn(ago(3))]]))
    kept = _snapshot()
    assert sum(row[4] for row in kept[0]) == Case.objects.filter(
        classification__in=aggregates.COUNTED).count() == 3
    assert sum(row[6] for row in kept[0]) == 2
    aggregates.rebuild()
    assert _snapshot() == kept


def test_a_moved_case_moves_its_count_to_the_new_area_and_its_ancestors(outbreak):
    land, day = outbreak.land, today()
    kept_before = _snapshot()
    case = Case.objects.filter(report_date=day, area=land.compound1).first()
    county1, county3 = (figures_for(a, day).today_cases for a in (land.county1, land.county3))
    services.move_case(actor=Actor.of(outbreak.tracer), case_id=case.pk,
                       area_code=land.compound3.code, reason="lives in compound 3")
    assert figures_for(land.county1, day).today_cases == county1 - 1  # subtracted there
    assert figures_for(land.county3, day).today_cases == county3 + 1  # added here
    assert _snapshot() != kept_before
    assert AuditEvent.objects.filter(action="change", object_type="case", object_id=case.pk,
                                     detail__fields=["area"],
                                     detail__reason="lives in compound 3").exists()
    kept = _snapshot()
    aggregates.rebuild()
    assert _snapshot() == kept  # what the events kept is what a rebuild counts


def test_a_case_is_not_moved_out_of_its_tree_or_to_an_unknown_area(outbreak):
    from outbreakhq.core.errors import InvalidInput
    from tests.factories import make_area

    case = Case.objects.filter(area=outbreak.land.compound1).first()
    other_tree = make_area("OT1", "region", name_en="Other Region")
    for code in ("nowhere", other_tree.code):
        with pytest.raises(InvalidInput, match="was not moved"):
            services.move_case(actor=Actor.of(outbreak.tracer), case_id=case.pk, area_code=code,
                               reason="wrong area")
    assert Case.objects.get(pk=case.pk).area == outbreak.land.compound1
