"""Turn a finished run into the scenario output (simulate/output.py documents the format).

Apart from output.py because the table builders import its Encoder and names: kept there, the
builders and `build` imported each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from outbreakhq.simulate import output_epidemic, output_territory
from outbreakhq.simulate.output import FORMAT_VERSION, TABLES, Encoder, Scenario

if TYPE_CHECKING:
    from outbreakhq.simulate.engine import Engine


def build(engine: Engine) -> Scenario:
    t, config = engine.territory, engine.config
    enc = Encoder(t.start_date, t.area_code)
    tables = output_territory.tables(t, enc)
    tables.update(output_epidemic.tables(engine, enc))
    meta = {
        "format_version": FORMAT_VERSION, "seed": config.seed, "population": t.population,
        "days": config.days, "r0": config.r0, "protocol": config.protocol,
        "respond": config.respond, "pathogen": config.pathogen,
        "start_date": t.start_date.isoformat(), "region_code": str(t.area_code[0]),
        "rows": {name: tables[name].num_rows for name in TABLES},
    }
    return Scenario(meta=meta, tables={name: tables[name] for name in TABLES})
