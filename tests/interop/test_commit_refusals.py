"""A refusal inside an import's batch (a stored record that left the user's scope between the
plan and the commit) fails the whole batch, and its `denied` event outlives the rollback
(interop/pipeline.py commit_plan runs the batch in core/scoped.py atomic)."""

from __future__ import annotations

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import AuditEvent
from outbreakhq.interop.pipeline import commit_plan, plan_import
from outbreakhq.tracing.models import Case
from tests.tracing.test_import import (
    CASE_HEADER,
    case_rows,
    ids,
    import_file,
    tracer_land,
    write_csv,
)

pytestmark = pytest.mark.django_db


def test_a_refusal_inside_the_batch_stays_audited_when_the_batch_rolls_back(tmp_path):
    land = tracer_land()
    rows = case_rows(land, ids(3))
    import_file(land, "cases", write_csv(tmp_path / "a.csv", CASE_HEADER, rows))
    rows[0][5] = "疑似"  # C1 reclassified: the plan updates the stored case
    actor = Actor.of(land.tracer)
    plan = plan_import(actor=actor, kind="cases",
                       path=write_csv(tmp_path / "b.csv", CASE_HEADER, rows))
    assert plan.ok and plan.counts["update"] == 1
    moved = Case.objects.get(external_id="C1")
    before = moved.classification
    Case.objects.filter(pk=moved.pk).update(area=land.compound2)  # now outside county 1
    with pytest.raises(InvalidInput):
        commit_plan(actor=actor, plan=plan, name="b.csv")
    assert Case.objects.get(pk=moved.pk).classification == before
    assert AuditEvent.objects.filter(action="denied", object_type="case",
                                     object_id=str(moved.pk), user=land.tracer).exists()
    assert not AuditEvent.objects.filter(action="create", object_type="cases_import",
                                         detail__file="b.csv").exists()
