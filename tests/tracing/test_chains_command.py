"""`outbreakhq chains`: figures for the whole database or one area, JSON or text."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.tracing.conftest import open_case

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("chains", *args, stdout=out)
    return out.getvalue()


def test_json_gives_the_number_of_chains_their_size_and_depth_and_unsourced_cases(desk):
    child = open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    open_case(desk.tracer, desk.person(), source_case=child.pk)
    lone = open_case(desk.tracer, desk.person())
    data = json.loads(run("--format", "json"))
    assert data["chains"] == 2 and data["cases"] == 4
    assert data["sizes"][0] == {"root": [desk.case.pk], "size": 3, "depth": 3,
                                "has_cycle": False,
                                "root_external_id": [desk.case.external_id]}
    assert data["without_source"] == [desk.case.pk, lone.pk]


def test_area_limits_the_chains_to_its_subtree(desk):
    from tests.factories import make_user

    other = make_user("tracer", desk.land.county2)
    open_case(other, desk.person(desk.land.compound2))
    data = json.loads(run("--format", "json", "--area", desk.land.county2.code))
    assert data["cases"] == 1 and data["area"] == desk.land.county2.code
    assert json.loads(run("--format", "json", "--area", desk.land.region.code))["cases"] == 2


def test_text_output_names_the_figures(desk):
    text = run()
    assert "1 cases in 1 chains" in text and "1 cases without a known source" in text


def test_an_unknown_area_is_an_error():
    with pytest.raises(CommandError, match="No area"):
        run("--area", "nowhere")
