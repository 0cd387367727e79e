"""Territory tables of the output format: areas, key groups, households, places, persons."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from outbreakhq.simulate.key_groups import KEY_GROUPS
from outbreakhq.simulate.output import Encoder
from outbreakhq.simulate.places import PLACE_TYPES
from outbreakhq.simulate.territory import LEVELS, Territory


def _areas(t: Territory) -> pa.Table:
    parent = t.area_parent
    parent_code = np.where(parent >= 0, t.area_code[np.maximum(parent, 0)], 0).astype(str)
    return pa.table({
        "code": pa.array(t.area_code.astype(str)),
        "parent_code": pa.array(parent_code, mask=parent < 0),
        "level": Encoder.labels(LEVELS, t.area_level),
        "name_en": pa.array(t.area_name_en), "name_zh": pa.array(t.area_name_zh),
        "population": pa.array(t.area_population),
    })


def _persons(t: Territory, enc: Encoder) -> pa.Table:
    compound_rows = t.level_rows["compound"][t.person_compound]
    group = t.place_group
    place = np.where(group >= 0, t.group_place[np.maximum(group, 0)], -1)
    return pa.table({
        "person": pa.array(np.arange(t.population, dtype=np.int32)),
        "household": pa.array(t.person_hh),
        "name": pa.array(t.name),
        "sex": pa.array(np.where(t.male, "M", "F")),
        "birth_date": pa.array(t.birth_day, type=pa.date32()),
        "age": pa.array(t.age),
        "id_type": pa.array(np.full(t.population, "cn_resident")),
        "id_number": pa.array(t.id_number).cast(pa.string()),
        "phone": pa.array(t.phone).cast(pa.string()),
        "home_area_code": enc.area(compound_rows),
        "address": pa.array(t.hh_address[t.person_hh]),
        "place": Encoder.ids(place),
        "place_group": Encoder.ids(group),
    })


def _person_key_groups(t: Territory) -> pa.Table:
    people, groups = [], []
    for bit in range(len(KEY_GROUPS)):
        members = np.flatnonzero(t.key_groups & (1 << bit))
        people.append(members)
        groups.append(np.full(members.size, bit))
    person = np.concatenate(people).astype(np.int32)
    group = np.concatenate(groups)
    order = np.lexsort((group, person))
    return pa.table({"person": pa.array(person[order]),
                     "key_group": Encoder.labels(tuple(k for k, _, _ in KEY_GROUPS),
                                                 group[order])})


def tables(t: Territory, enc: Encoder) -> dict[str, pa.Table]:
    compound_rows = t.level_rows["compound"]
    members = np.bincount(t.group_place[t.place_group[t.place_group >= 0]],
                          minlength=t.place_type.size)
    return {
        "areas": _areas(t),
        "key_groups": pa.table({"code": [k[0] for k in KEY_GROUPS],
                                "name_en": [k[1] for k in KEY_GROUPS],
                                "name_zh": [k[2] for k in KEY_GROUPS]}),
        "households": pa.table({
            "household": pa.array(np.arange(t.hh_size.size, dtype=np.int32)),
            "area_code": enc.area(compound_rows[t.hh_compound]),
            "building": pa.array(t.hh_building), "address": pa.array(t.hh_address),
            "size": pa.array(t.hh_size), "visitors": pa.array(t.hh_visitor)}),
        "places": pa.table({
            "place": pa.array(np.arange(t.place_type.size, dtype=np.int32)),
            "type": Encoder.labels(PLACE_TYPES, t.place_type),
            "name_en": pa.array(t.place_name_en), "name_zh": pa.array(t.place_name_zh),
            "area_code": enc.area(compound_rows[t.place_compound]),
            "members": pa.array(members)}),
        "persons": _persons(t, enc),
        "person_key_groups": _person_key_groups(t),
    }
