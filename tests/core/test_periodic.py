"""The scheduler of periodic jobs (core/periodic.py): slots, one run per slot, failures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from outbreakhq.core import periodic
from outbreakhq.core.models import PeriodicRun

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def _at(text: str, zone=SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def _job(name="test.job", run=lambda slot: "ok", **when) -> periodic.Job:
    return periodic.Job(name, run, **(when or {"daily_at": time(7, 0)}))


# The slot arithmetic: pure.

def test_a_daily_job_before_its_time_is_in_yesterdays_slot():
    job = _job(daily_at=time(7, 0))
    assert periodic.latest_slot(job, _at("2026-12-04 06:59"), SHANGHAI) == _at("2026-12-03 07:00")
    assert periodic.latest_slot(job, _at("2026-12-04 07:00"), SHANGHAI) == _at("2026-12-04 07:00")
    assert periodic.latest_slot(job, _at("2026-12-04 23:59"), SHANGHAI) == _at("2026-12-04 07:00")


def test_a_daily_slot_is_the_local_time_of_the_deployment():
    job = _job(daily_at=time(7, 0))
    slot = periodic.latest_slot(job, datetime(2026, 12, 4, 0, 0, tzinfo=UTC), SHANGHAI)
    assert slot == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # 07:00 in Shanghai, UTC+8
    assert slot.tzinfo == UTC


def test_a_daily_slot_keeps_its_wall_time_across_daylight_saving():
    job = _job(daily_at=time(7, 0))
    winter = periodic.latest_slot(job, _at("2026-03-28 12:00", BERLIN), BERLIN)
    summer = periodic.latest_slot(job, _at("2026-03-29 12:00", BERLIN), BERLIN)
    assert (winter.hour, summer.hour) == (6, 5)  # 07:00 CET, then 07:00 CEST
    assert periodic.next_slot(job, _at("2026-03-28 12:00", BERLIN), BERLIN) == summer


def test_an_every_n_minutes_job_cuts_the_day_from_midnight():
    job = _job(every_minutes=5)
    now = _at("2026-12-04 10:07:30")
    assert periodic.latest_slot(job, now, SHANGHAI) == _at("2026-12-04 10:05")
    assert periodic.next_slot(job, now, SHANGHAI) == _at("2026-12-04 10:10")
    seven = _job(every_minutes=7)  # 1440 is not a multiple of 7: the last slot is short
    assert periodic.next_slot(seven, _at("2026-12-04 23:58"), SHANGHAI) == _at("2026-12-05 00:00")


def test_the_next_daily_slot_is_tomorrow_once_todays_began():
    job = _job(daily_at=time(0, 5))
    assert periodic.next_slot(job, _at("2026-12-04 00:04"), SHANGHAI) == _at("2026-12-04 00:05")
    assert periodic.next_slot(job, _at("2026-12-04 00:05"), SHANGHAI) == _at("2026-12-05 00:05")


def test_a_job_names_exactly_one_kind_of_time():
    with pytest.raises(ValueError, match="exactly one"):
        periodic.Job("bad", print, daily_at=time(1, 0), every_minutes=5)
    with pytest.raises(ValueError, match="exactly one"):
        periodic.Job("bad", print)
    with pytest.raises(ValueError, match="1 to 1440"):
        periodic.Job("bad", print, every_minutes=0)


def test_a_time_setting_is_checked():
    assert periodic.parse_time("07:30", setting="X") == time(7, 30)
    with pytest.raises(ValueError, match="X: '7h' is not a time of day"):
        periodic.parse_time("7h", setting="X")


# Runs: one per slot.

@pytest.mark.django_db
def test_a_slot_runs_once_and_the_next_slot_runs_again():
    calls = []
    job = _job(run=lambda slot: calls.append(slot) or "did it", every_minutes=5)
    first = periodic.run_due(_at("2026-12-04 10:01"), jobs=[job])
    assert [r.status for r in first] == [PeriodicRun.DONE] and first[0].summary == "did it"
    assert periodic.run_due(_at("2026-12-04 10:04"), jobs=[job]) == []
    assert len(periodic.run_due(_at("2026-12-04 10:05"), jobs=[job])) == 1
    assert calls == [_at("2026-12-04 10:00"), _at("2026-12-04 10:05")]


@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_the_next_slot_runs_again():
    attempts = []

    def flaky(slot):
        attempts.append(slot)
        if len(attempts) == 1:
            raise RuntimeError("the lab system did not answer")
        return "recovered"

    job = _job("test.flaky", run=flaky, every_minutes=10)
    failed, = periodic.run_due(_at("2026-12-04 10:01"), jobs=[job])
    assert failed.status == PeriodicRun.FAILED
    assert "RuntimeError: the lab system did not answer" in failed.error
    assert periodic.run_due(_at("2026-12-04 10:09"), jobs=[job]) == []  # not within its slot
    done, = periodic.run_due(_at("2026-12-04 10:10"), jobs=[job])
    assert done.status == PeriodicRun.DONE and len(attempts) == 2


@pytest.mark.django_db
def test_the_scheduler_command_lists_and_runs_the_jobs_of_the_apps(capsys):
    call_command("scheduler", "--list")
    listed = capsys.readouterr().out
    for name in ("command.sitrep", "core.purge", "support.escalate", "zones.regrade_publish"):
        assert name in listed
    assert "never run" in listed
    call_command("scheduler", "--once")
    ran = capsys.readouterr().out
    assert "support.escalate" in ran and "done" in ran
    assert set(PeriodicRun.objects.values_list("job", flat=True)) >= {
        "command.sitrep", "core.purge", "support.escalate", "zones.regrade_publish"}
    assert not PeriodicRun.objects.filter(status=PeriodicRun.FAILED).exists()
    call_command("scheduler", "--once")
    assert capsys.readouterr().out == ""  # every slot already ran


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql
def test_two_schedulers_in_a_race_run_a_slot_once():
    calls = []
    gate = threading.Barrier(4)
    job = _job("test.race", run=lambda slot: calls.append(slot), daily_at=time(7, 0))

    def scheduler():
        try:
            gate.wait()
            periodic.run_due(_at("2026-12-04 08:00"), jobs=[job])
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert PeriodicRun.objects.filter(job="test.race").count() == 1


@pytest.mark.django_db
def test_serve_starts_the_scheduler_next_to_the_worker_unless_told_not_to(monkeypatch):
    from outbreakhq.core.management.commands import serve

    started, served = [], []
    monkeypatch.setattr(serve.subprocess, "Popen", lambda argv: started.append(argv[3:]))
    monkeypatch.setattr(serve.os, "execvp", lambda *argv: served.append(argv))
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)  # no collectstatic
    call_command("serve")
    assert started == [["db_worker", "--no-reload"], ["scheduler"]] and served
    started.clear()
    call_command("serve", "--no-scheduler")
    assert started == [["db_worker", "--no-reload"]]


@pytest.mark.django_db
def test_a_run_left_running_by_a_killed_scheduler_is_reclaimed_as_failed_at_the_next_slot():
    job = _job("test.killed", every_minutes=10, timeout_minutes=30)
    killed = PeriodicRun.objects.create(job=job.name, slot=_at("2026-12-04 10:00"))
    PeriodicRun.objects.filter(pk=killed.pk).update(started_at=_at("2026-12-04 10:00"))
    # Within its time-out it may still be running somewhere: left alone.
    assert periodic.run_due(_at("2026-12-04 10:25"), jobs=[job])[0].slot == _at("2026-12-04 10:20")
    assert PeriodicRun.objects.get(pk=killed.pk).status == PeriodicRun.RUNNING
    done, = periodic.run_due(_at("2026-12-04 10:31"), jobs=[job])
    assert done.status == PeriodicRun.DONE and done.slot == _at("2026-12-04 10:30")
    stale = PeriodicRun.objects.get(pk=killed.pk)
    assert stale.status == PeriodicRun.FAILED and "time-out of 30 min" in stale.error
    assert stale.finished_at == _at("2026-12-04 10:31")


def test_a_job_without_a_time_out_gets_the_default():
    assert _job().timeout.total_seconds() == periodic.DEFAULT_TIMEOUT_MINUTES * 60
