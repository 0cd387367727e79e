"""`outbreakhq epi rt` on files: EpiEstim's columns and clear errors naming row and column."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command


def run(tmp_path, incidence: str, *args: str) -> str:
    import io

    path = tmp_path / "incidence.csv"
    path.write_text(incidence)
    out = io.StringIO()
    call_command("epi", "rt", "--incidence", str(path), *args, stdout=out)
    return out.getvalue()


def test_csv_output_has_epiestims_columns_and_day_numbers(tmp_path):
    si = tmp_path / "si.csv"
    si.write_text("0\n1\n")
    out = run(tmp_path, "date,I\n2026-03-01,2\n2026-03-02,4\n2026-03-03,6\n2026-03-04,8\n",
              "--si-distr", str(si), "--window", "2")
    lines = out.splitlines()
    assert lines[0] == "t_start,t_end,mean,std,q0.025,q0.05,q0.25,median,q0.75,q0.95,q0.975"
    assert lines[1].startswith("2,3,1.77419,0.534939,")  # tests/epi/test_rt.py by hand
    assert lines[2].startswith("3,4,1.47059,")


def test_local_and_imported_columns_and_an_si_column_give_json(tmp_path):
    si = tmp_path / "si.csv"
    si.write_text("si\n0\n0.5\n0.5\n")
    out = run(tmp_path, "day,local,imported\n1,0,4\n2,1,0\n3,2,0\n4,4,0\n",
              "--si-distr", str(si), "--window", "3", "--format", "json")
    (row,) = json.loads(out)
    assert (row["t_start"], row["t_end"]) == (2, 4)
    assert row["mean"] == pytest.approx(8 / 6.2)


def test_parametric_serial_interval(tmp_path):
    rows = "\n".join(f"{d},{n}" for d, n in enumerate([3, 5, 6, 9, 12, 15, 19, 24, 30, 38],
                                                       start=1))
    out = run(tmp_path, "day,cases\n" + rows + "\n", "--si-mean", "3", "--si-sd", "1.5")
    assert len(out.splitlines()) == 1 + 3  # windows 2-8, 3-9, 4-10


@pytest.mark.parametrize(("incidence", "message"), [
    ("when,I\n1,2\n", "needs a column date or day"),
    ("day,n\n1,2\n", "needs a column I or cases"),
    ("day,I\n1,2\n2,-1\n", "row 3, column I: '-1' is not a whole number"),
    ("day,I\n1,2\n3,1\n", "row 3, column day: expected 2"),
    ("date,I\n2026-02-30,2\n", "row 2, column date: '2026-02-30' is not a date"),
])
def test_bad_files_are_refused_naming_row_and_column(tmp_path, incidence, message):
    with pytest.raises(CommandError, match=message):
        run(tmp_path, incidence, "--si-mean", "3", "--si-sd", "1")


def test_a_bad_serial_interval_file_names_the_line(tmp_path):
    si = tmp_path / "si.csv"
    si.write_text("0\nhalf\n")
    with pytest.raises(CommandError, match="si.csv line 2: 'half' is not a probability"):
        run(tmp_path, "day,I\n1,2\n", "--si-distr", str(si))
