"""`outbreakhq simulate`: files with --out (no database), the database with --load."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from outbreakhq.core.models import Person


def test_out_writes_every_table_and_the_metadata(tmp_path, capsys):
    call_command("simulate", population=800, days=10, seed=3, out=tmp_path / "s", format="csv",
                 verbosity=0)
    meta = json.loads((tmp_path / "s" / "scenario.json").read_text())
    assert meta["population"] == 800 and meta["seed"] == 3 and meta["format"] == "csv"
    assert (tmp_path / "s" / "persons.csv").exists()
    assert (tmp_path / "s" / "tube_members.csv").exists()
    assert "Wrote 16 tables" in capsys.readouterr().out


def test_an_unknown_protocol_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="unknown protocol"):
        call_command("simulate", population=100, days=2, out=tmp_path, protocol="nope",
                     verbosity=0)


@pytest.mark.django_db
def test_load_as_make_demo_calls_it_then_refuses_a_second_time():
    call_command("simulate", population=1_000, days=10, seed=7, load=True, verbosity=0)
    assert Person.objects.count() == 1_000
    with pytest.raises(CommandError, match="--replace"):
        call_command("simulate", population=1_000, days=10, seed=8, load=True, verbosity=0)
    call_command("simulate", population=1_200, days=10, seed=8, load=True, replace=True,
                 verbosity=0)
    assert Person.objects.count() == 1_200
