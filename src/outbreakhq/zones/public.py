"""The public risk-area list: every area whose grade is above the lowest, with its parents, the
day its grade started, where its clock stands and the earliest day it can step down.

A day's list is frozen once published (PublishedList): the first public read of a day publishes
it, and a later change of that day (an approval, a manual designation) is published as a new
version with a note saying why. Past versions are never rewritten, and the columns of the CSV
are fixed (COLUMNS): consumers of a daily list break when columns or past values change
silently.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.core.models import Area
from outbreakhq.zones import reasons
from outbreakhq.zones.clocks import clock_rules, clocks_on, in_force
from outbreakhq.zones.models import PublishedList

COLUMNS = ("day", "version", "code", "name_en", "name_zh", "parents", "grade", "since",
           "case_free_day", "days_required", "round_needed", "next_grade", "next_step",
           "earliest_lift")


def build(day: date) -> dict:
    """The list of `day` from the designations in force (nothing personal is read)."""
    rules = clock_rules()
    listed = list(rules.grades[:-1])
    rows = list(in_force(day).filter(grade__in=listed).order_by("area__path").values_list(
        "area_id", "grade", "since", "area__code", "area__name_en", "area__name_zh",
        "area__path"))
    states = clocks_on(day, [r[0] for r in rows]) if rows else {}
    codes = {c for r in rows for c in r[6].split("/") if c}
    names = {code: (en, zh) for code, en, zh in Area.objects.filter(code__in=codes)
             .values_list("code", "name_en", "name_zh")}
    areas = []
    for area_id, grade, since, code, name_en, name_zh, path in rows:
        state = states.get(area_id, (None,))[0]
        parents = [c for c in path.split("/") if c and c != code and c in names]
        clock = state if state is not None and state.grade == grade else None
        areas.append({
            "code": code, "name_en": name_en, "name_zh": name_zh,
            "parents": [{"code": p, "name_en": names[p][0], "name_zh": names[p][1]}
                        for p in parents],
            "grade": grade, "since": since.isoformat(),
            "case_free_day": clock.case_free_day if clock else None,
            "days_required": clock.days_required if clock else None,
            "round_needed": clock.round_needed if clock else None,
            "next_grade": clock.next_grade if clock else rules.steps[grade].to,
            "next_step": _iso(clock.next_step) if clock else None,
            "earliest_lift": _iso(clock.earliest_lift) if clock else None,
        })
    areas.sort(key=lambda a: (listed.index(a["grade"]), a["code"]))
    counts = {grade: sum(1 for a in areas if a["grade"] == grade) for grade in listed}
    return {"day": day.isoformat(), "protocol": protocols.current().meta.name,
            "grades": listed, "counts": counts, "areas": areas}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def latest(day: date) -> PublishedList | None:
    return PublishedList.objects.filter(day=day).order_by("-version").first()


def current(day: date) -> PublishedList:
    """The list of `day` as last published, published now if it was not yet. A read never
    rebuilds a published list: the changes of the day publish their own version (an approval,
    a designation by hand, an automatic approval of the regrade: `republish_today`)."""
    return latest(day) or publish(day=day)


def publish(*, day: date | None = None, note: str = "",
            note_code: dict | None = None) -> PublishedList:
    """Freeze `day`'s list; when it differs from the last version published, a new version
    with a note: `note_code` (zones/reasons.py: stored as the code, and in English as `note`)
    or `note`, a person's own words. The same list again publishes nothing."""
    if note_code:
        note = reasons.english_note(note_code)
    day = day or timezone.localdate()
    content = build(day)
    for _attempt in range(3):
        last = latest(day)
        if last is not None and _same(last.content, content):
            return last
        try:
            with transaction.atomic():
                return PublishedList.objects.create(
                    day=day, version=(last.version + 1) if last else 1, content=content,
                    note=note[:300] if last else "",
                    note_code=(note_code or {}) if last else {})
        except IntegrityError:  # another process published the same version first
            continue
    return latest(day)


def _same(old: dict, new: dict) -> bool:
    return {k: v for k, v in old.items() if k != "version"} == new


def republish_today(note_code: dict) -> None:
    """After a change of designations: a new version of today's list if one was published,
    saying why (`note_code`, zones/reasons.py)."""
    today = timezone.localdate()
    if latest(today) is not None:
        publish(day=today, note_code=note_code)


def as_csv(published: PublishedList) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for area in published.content["areas"]:
        parents = " / ".join(p["name_en"] for p in area["parents"])
        writer.writerow([published.day.isoformat(), published.version, area["code"],
                         area["name_en"], area["name_zh"], parents, area["grade"],
                         area["since"], _blank(area["case_free_day"]),
                         _blank(area["days_required"]), _blank(area["round_needed"]),
                         _blank(area["next_grade"]), _blank(area["next_step"]),
                         _blank(area["earliest_lift"])])
    return out.getvalue()


def _blank(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
