"""Small, explicit test data: a region with two prefectures, three counties and compounds below,
a parallel tree over the same ground, users of every role, and people."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.test import Client

from outbreakhq.core.areas import child_path
from outbreakhq.core.identity import cn_check_character
from outbreakhq.core.models import Area, Assignment, Person

PASSWORD = "correct-horse-battery"
_serial = itertools.count(1)


def make_area(code: str, level: str, parent: Area | None = None, **fields) -> Area:
    return Area.objects.create(
        code=code, level=level, parent=parent, root=(parent.root or parent) if parent else None,
        path=child_path(parent, code), depth=parent.depth + 1 if parent else 0,
        name_en=fields.pop("name_en", f"{level.title()} {code}"),
        name_zh=fields.pop("name_zh", f"区域{code}"), population=fields.pop("population", 1000),
        **fields)


@dataclass
class Territory:
    region: Area
    pref1: Area
    pref2: Area
    county1: Area
    county2: Area
    county3: Area
    compound1: Area  # in county1
    compound2: Area  # in county2
    compound3: Area  # in county3
    corps_root: Area  # a parallel tree over the same ground
    corps_unit: Area


def _compound_under(county: Area) -> Area:
    town = make_area(county.code + "001", "township", county)
    community = make_area(town.code + "001", "community", town)
    return make_area(community.code + "001", "compound", community)


def territory() -> Territory:
    region = make_area("990000", "region", name_en="Test Region", name_zh="测试自治区")
    pref1 = make_area("990100", "prefecture", region, name_en="North Prefecture", name_zh="北州")
    pref2 = make_area("990200", "prefecture", region, name_en="South Prefecture", name_zh="南州")
    county1 = make_area("990101", "county", pref1, name_en="Alder County", name_zh="桤木县")
    county2 = make_area("990102", "county", pref1, name_en="Birch County", name_zh="桦树县")
    county3 = make_area("990201", "county", pref2, name_en="Cedar County", name_zh="雪松县")
    corps = make_area("B99000", "region", name_en="Corps", name_zh="兵团")
    unit = make_area("B99010", "county", corps, name_en="Corps Division 1", name_zh="第一师")
    return Territory(region, pref1, pref2, county1, county2, county3, _compound_under(county1),
                     _compound_under(county2), _compound_under(county3), corps, unit)


def make_user(role: str, *areas: Area, username: str | None = None, **fields):
    username = username or f"{role}-{next(_serial)}"
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    for area in areas:
        Assignment.objects.create(user=user, role=role, area=area)
    return user


def resident_id(born: date, serial: int, *, female: bool = False) -> str:
    sequence = serial % 500 * 2 + (0 if female else 1)
    first17 = f"990101{born:%Y%m%d}{sequence:03d}"
    return first17 + cn_check_character(first17)


def make_person(area: Area, **fields) -> Person:
    n = next(_serial)
    born = fields.pop("birth_date", date(1980, 1, 1 + n % 28))
    defaults = {"name": f"Person {n}", "sex": "M", "id_type": "cn_resident",
                "id_number": resident_id(born, n), "phone": f"1700000{n:04d}"}
    return Person.objects.create(tenant_id=area.tenant_id, home_area=area, birth_date=born,
                                 **{**defaults, **fields})


def logged_in(user):
    """A test client signed in as `user` (no password round trip: axes wants a request)."""
    client = Client()
    client.force_login(user)
    return client
