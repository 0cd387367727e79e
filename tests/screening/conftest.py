"""Shared set-up for the screening tests: a territory, a planner, a site operator, a lab
technician, a round and a site in county 1, residents of compound 1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.screening import services
from outbreakhq.screening.models import Round, Site
from tests.factories import Territory, make_person, make_user, territory


@dataclass
class Screen:
    land: Territory
    planner: object
    operator: object
    lab: object
    round: Round
    site: Site

    def people(self, n: int, area=None) -> list:
        return [make_person(area or self.land.compound1) for _ in range(n)]

    def codes(self, people) -> list[str]:
        return [services.code_of(p.pk) for p in people]

    def submit(self, barcode: str, people, **kw):
        return services.submit_tube(actor=Actor.of(self.operator), barcode=barcode,
                                    members=self.codes(people), site_id=self.site.pk,
                                    round_id=self.round.pk, **kw)

    def ship_and_receive(self, box: str, *barcodes: str):
        services.ship_box(actor=Actor.of(self.operator), site_id=self.site.pk, box_code=box,
                          barcodes=list(barcodes))
        services.receive_box(actor=Actor.of(self.lab), box_code=box)

    def results(self, *rows):
        return services.record_results(actor=Actor.of(self.lab), rows=[
            {"barcode": b, "result": r} for b, r in rows])


def make_screen() -> Screen:
    land = territory()
    planner = make_user("commander", land.region, username="cora")
    operator = make_user("screening", land.county1, username="sam")
    lab = make_user("lab", land.pref1, username="lee")
    campaign = services.create_campaign(actor=Actor.of(planner), name="County 1 round",
                                        area_code=land.county1.code)
    round_ = services.create_round(actor=Actor.of(planner), campaign=campaign,
                                   day=date.today())
    site = services.create_site(actor=Actor.of(planner), name="School gate",
                                area_code=land.compound1.code, capacity_per_hour=300)
    return Screen(land, planner, operator, lab, round_, site)


@pytest.fixture
def screen(db) -> Screen:
    return make_screen()
