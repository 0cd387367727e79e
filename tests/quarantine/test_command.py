"""`outbreakhq quarantine schedule`: the schedule of a stay under the deployment's preset."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("quarantine", "schedule", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@override_settings(OUTBREAKHQ_PROTOCOL="cn-20-measures")
def test_the_schedule_prints_one_csv_row_per_day_under_the_deployments_preset():
    lines = run("--kind", "close_contact", "--start", "2022-11-11").splitlines()
    assert lines[0] == "day,date,phase,test"
    assert lines[1] == "1,2022-11-11,quarantine,true"
    assert lines[4] == "4,2022-11-14,quarantine,false"
    assert lines[6] == "6,2022-11-16,home_monitoring,true"
    assert len(lines) == 9


@override_settings(OUTBREAKHQ_PROTOCOL="cn-9th-edition")
def test_the_json_schedule_follows_the_ninth_edition():
    days = json.loads(run("--kind", "inbound_traveller", "--start", "2022-06-28",
                          "--format", "json"))
    assert len(days) == 10
    assert days[-1] == {"day": 10, "date": "2022-07-07", "phase": "home_monitoring",
                        "test": True}


@override_settings(OUTBREAKHQ_PROTOCOL="who-generic")
def test_a_kind_without_quarantine_prints_the_header_only():
    assert run("--kind", "inbound_traveller", "--start", "2022-06-28") == "day,date,phase,test\n"


def test_an_unknown_kind_or_a_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="--kind: unknown kind 'sailor'"):
        run("--kind", "sailor", "--start", "2022-06-28")
    with pytest.raises(CommandError, match="--start: '2022-02-30' is not a date"):
        run("--kind", "close_contact", "--start", "2022-02-30")


@pytest.mark.django_db
@override_settings(OUTBREAKHQ_PROTOCOL="cn-9th-edition")
def test_switching_to_the_twenty_measures_previews_then_releases_who_is_done(site):
    from datetime import timedelta

    from outbreakhq.quarantine import services
    from outbreakhq.quarantine.models import Stay
    from outbreakhq.quarantine.services.stays import today

    start = today() - timedelta(days=7)  # day 8: the last day under the twenty measures
    done = services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk,
                          room_id=site.rooms[0].pk, start=start)
    for n in (1, 2, 3, 5, 7):  # the 9th edition's test days so far
        services.record_test(actor=site.actor, stay_id=done.pk, result="negative",
                             on=start + timedelta(days=n - 1))
    for n in (6, 8):  # home days 1 and 3 of the twenty measures, typed in before the switch
        done.tests.create(tenant_id=done.tenant_id, day=n, date=start + timedelta(days=n - 1),
                          result="negative")
    recent = services.place(actor=site.actor, person_id=site.person().pk,
                            site_id=site.hotel.pk, room_id=site.rooms[1].pk)
    from tests.factories import logged_in, make_user

    commander = make_user("commander", site.land.county1, username="chen")  # a commander's
    args = ("switch", "--to", "cn-20-measures", "--on", str(today()), "--user", "chen")
    with pytest.raises(CommandError):  # the site's manager may not switch presets
        call_command("quarantine", *args[:-1], "qiang", stdout=io.StringIO())
    out = io.StringIO()
    call_command("quarantine", *args, stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0] == "stay,person,site,start,old_end,new_end,released_on_switch"
    assert lines[1].startswith(f"{done.pk},") and lines[1].endswith(",true")
    assert lines[2].startswith(f"{recent.pk},") and lines[2].endswith(",false")
    assert Stay.objects.get(pk=done.pk).status == "placed"  # a preview writes nothing
    api = logged_in(commander).get("/api/v1/quarantine/switch",
                                      {"to": "cn-20-measures", "on": str(today())}).json()
    assert [(r["stay"], r["released_on_switch"]) for r in api] == [(done.pk, True),
                                                                    (recent.pk, False)]
    assert api[1]["new_end"] == str(today() + timedelta(days=7))
    assert Stay.objects.get(pk=done.pk).status == "placed"
    call_command("quarantine", *args, "--apply", stdout=io.StringIO(), stderr=io.StringIO())
    done.refresh_from_db()
    recent.refresh_from_db()
    assert (done.status, done.ended_on, done.protocol) == ("released", today(), "cn-20-measures")
    assert recent.planned_end == today() + timedelta(days=7)
