from __future__ import annotations

import json

import pytest

from outbreakhq.simulate import writer


@pytest.mark.parametrize("fmt", writer.FORMATS)
def test_a_scenario_reads_back_as_written(small, tmp_path, fmt):
    out = tmp_path / "scenario"
    writer.write(small, out=out, fmt=fmt)
    meta = json.loads((out / "scenario.json").read_text())
    assert meta["format_version"] == 1 and meta["format"] == fmt
    back = writer.read(out)
    for name, table in small.tables.items():
        assert back[name].num_rows == table.num_rows, name
    assert back["areas"]["code"].to_pylist() == small["areas"]["code"].to_pylist()
    assert back["persons"]["id_number"].to_pylist()[:50] == \
        small["persons"]["id_number"].to_pylist()[:50]


def test_a_folder_with_other_files_is_not_overwritten(small, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        writer.write(small, out=tmp_path, fmt="csv")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_folder_of_another_format_version_is_refused(tmp_path):
    (tmp_path / "scenario.json").write_text(json.dumps({"format_version": 99}))
    with pytest.raises(writer.ScenarioFormatError, match="version 99"):
        writer.read(tmp_path)
