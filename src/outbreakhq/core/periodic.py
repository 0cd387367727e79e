"""Periodic jobs without cron: apps declare them, `outbreakhq scheduler` runs them (issue 13).

An app declares a job in its AppConfig.ready() through core/hooks.py:

    hooks.periodic(Job("zones.regrade", regrade_today, daily_at=time(0, 5)))
    hooks.periodic(Job("support.escalate", escalate, every_minutes=5))

Time is cut into slots: a daily job has one slot a day, starting at `daily_at` in the
deployment's time zone (OUTBREAKHQ_TIME_ZONE); an every-N-minutes job one slot every N minutes
from midnight. The scheduler runs a job's latest slot that has started, once: it first inserts a
(job, slot) row in the run table (core.models.PeriodicRun, unique on both), in its own
transaction, and only the process whose insert succeeded runs the job. Two schedulers (two
servers, or a scheduler and an operator's `--once`) therefore never run a slot twice. A run
that raises is recorded as failed, with its error; the next slot runs again as usual. A slot
missed while no scheduler ran is caught up once (the latest one only, never a backlog): the
morning report is made when the server comes back at 09:00.

A scheduler killed in the middle of a run (SIGKILL, a machine restart) never records the run's
end, so its row would say `running` forever. A row still running past the job's time-out
(`timeout_minutes`, DEFAULT_TIMEOUT_MINUTES unless the job sets one) is reclaimed by the next
scheduler tick of that job and recorded as failed, saying so; the job runs again at its next slot
as after any failure (the stale slot itself is not run twice: it may have half happened).

The slot arithmetic is pure (`latest_slot`) and tested without a database.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from outbreakhq.core.models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """`run(slot)` receives the slot's start (aware, UTC) and may return a one-line summary,
    kept in the run table. Exactly one of `daily_at` and `every_minutes`."""

    name: str
    run: Callable[[datetime], object]
    daily_at: time | None = None
    every_minutes: int | None = None
    description: str = ""
    timeout_minutes: int | None = None  # a run still `running` after this is reclaimed

    def __post_init__(self):
        if (self.daily_at is None) == (self.every_minutes is None):
            raise ValueError(f"job {self.name}: give exactly one of daily_at and every_minutes")
        if self.every_minutes is not None and not 1 <= self.every_minutes <= 1440:
            raise ValueError(f"job {self.name}: every_minutes must be 1 to 1440")

    @property
    def timeout(self) -> timedelta:
        return timedelta(minutes=self.timeout_minutes or DEFAULT_TIMEOUT_MINUTES)

    @property
    def when(self) -> str:
        if self.daily_at is not None:
            return f"daily at {self.daily_at:%H:%M}"
        return f"every {self.every_minutes} min"


JOBS: list[Job] = []
# Longer than any job runs here (the morning reports of every region take minutes), short enough
# that a killed run is reclaimed the same morning.
DEFAULT_TIMEOUT_MINUTES = 120


def register(job: Job) -> None:
    """Add a job (hooks.periodic); the same name twice keeps the first (ready() may rerun)."""
    if all(j.name != job.name for j in JOBS):
        JOBS.append(job)
        JOBS.sort(key=lambda j: j.name)


def local_day(slot: datetime) -> date:
    """The day a daily slot belongs to, in the deployment's time zone."""
    return slot.astimezone(timezone.get_default_timezone()).date()


def for_the_day(*steps: Callable[..., object]) -> Callable[[datetime], str]:
    """A daily job calling each `step(day=<the slot's local day>)` in turn (zones' regrade,
    then publish), as the command line would."""
    def run(slot: datetime) -> str:
        day = local_day(slot)
        for step in steps:
            step(day=day)
        return f"{day}: " + ", ".join(step.__name__ for step in steps)
    return run


def parse_time(text: str, *, setting: str) -> time:
    """`HH:MM` of a setting, or a clear error naming it."""
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{setting}: {text!r} is not a time of day (HH:MM)") from None


def latest_slot(job: Job, now: datetime, zone: tzinfo) -> datetime:
    """The start (UTC) of the job's latest slot that has begun at `now` (aware)."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), time(0), tzinfo=zone)
    if job.daily_at is not None:
        start = datetime.combine(local.date(), job.daily_at, tzinfo=zone)
        if start > local:
            start = datetime.combine(local.date() - timedelta(days=1), job.daily_at, tzinfo=zone)
        return start.astimezone(UTC)
    step = job.every_minutes * 60
    elapsed = int((local - midnight).total_seconds())
    return (midnight + timedelta(seconds=elapsed - elapsed % step)).astimezone(UTC)


def next_slot(job: Job, now: datetime, zone: tzinfo) -> datetime:
    """The start (UTC) of the job's first slot after `now`."""
    local = now.astimezone(zone)
    if job.daily_at is not None:
        return (latest_slot(job, now, zone).astimezone(zone) + timedelta(days=1)).replace(
            hour=job.daily_at.hour, minute=job.daily_at.minute).astimezone(UTC)
    following = latest_slot(job, now, zone) + timedelta(minutes=job.every_minutes)
    # Slots restart at midnight: the last one of a day may be shorter than N minutes.
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return min(following, tomorrow.astimezone(UTC))


def _claim(job: Job, slot: datetime):
    """Insert the (job, slot) row; None when another process already has it."""
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(job=job.name, slot=slot)
    except IntegrityError:
        return None


def reclaim_stale(job: Job, now: datetime) -> int:
    """Record as failed the job's runs still `running` past its time-out: the scheduler that
    ran them stopped without recording their end. One conditional UPDATE, so two schedulers
    reclaiming at once change each row once. A run that was only slow and ends after this
    still records its own end (run_job saves its outcome over this one)."""
    limit = job.timeout
    return PeriodicRun.objects.filter(
        job=job.name, status=PeriodicRun.RUNNING, started_at__lt=now - limit,
    ).update(status=PeriodicRun.FAILED, finished_at=now,
             error=f"no end recorded within the time-out of {limit.total_seconds() / 60:.0f} "
                   "min: the scheduler running it stopped (killed or restarted); reclaimed")


def run_job(job: Job, slot: datetime):
    """Claim the slot and run the job in it; the run row, or None when already claimed."""
    row = _claim(job, slot)
    if row is None:
        return None
    try:
        summary = job.run(slot)
    except Exception as exc:  # a failed job must not stop the scheduler; it is recorded
        logger.exception("periodic job %s failed (slot %s)", job.name, slot.isoformat())
        row.status, row.error = PeriodicRun.FAILED, "".join(
            traceback.format_exception_only(exc)).strip()[:4000]
    else:
        row.status, row.summary = PeriodicRun.DONE, str(summary or "")[:1000]
    row.finished_at = timezone.now()
    row.save(update_fields=["status", "error", "summary", "finished_at"])
    return row


def run_due(now: datetime | None = None, *, jobs: list[Job] | None = None) -> list:
    """Run every job whose latest slot has not run yet; the rows of the runs made here."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    made = []
    for job in JOBS if jobs is None else jobs:
        reclaim_stale(job, now)
        row = run_job(job, latest_slot(job, now, zone))
        if row is not None:
            made.append(row)
    return made


def seconds_to_next(now: datetime, jobs: list[Job] | None = None) -> float:
    zone = timezone.get_default_timezone()
    slots = [next_slot(j, now, zone) for j in (JOBS if jobs is None else jobs)]
    return max(0.0, (min(slots) - now).total_seconds()) if slots else 60.0


def last_runs(name: str, count: int = 1) -> list:
    return list(PeriodicRun.objects.filter(job=name).order_by("-slot")[:count])


def loop(*, sleep: Callable[[float], None], tick_cap: float = 60.0,
         log: Callable[[str], None] = print) -> None:
    """Run due jobs, sleep until the next slot (at most `tick_cap` seconds), forever."""
    while True:
        close_old_connections()  # a database restart must not kill the scheduler for good
        try:
            for row in run_due():
                log(f"{row.job} {row.slot:%Y-%m-%d %H:%M}Z {row.status}"
                    f"{': ' + (row.error or row.summary) if row.error or row.summary else ''}")
        except Exception:  # the database is away: try again at the next tick
            logger.exception("scheduler tick failed")
        sleep(min(tick_cap, seconds_to_next(timezone.now()) + 1))
