"""Risk areas on the database: the event log the clocks read, designations (proposed, approved,
rejected, superseded), early-warning alerts and the public lists as published.

None of these rows names a person: an event's `ref` is a record number ("case 12") that only
scoped pages resolve, so the public list can be built from these tables alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.models import Area, ScopedQuerySet
from outbreakhq.zones import rules


class AreaRowQuerySet(ScopedQuerySet):
    """Rows placed at an area, naming nobody: scoped by the area's path like every record."""

    area_field = "area"
    person_field = None

    def person_of(self, row) -> None:
        """Nobody: a refusal's audit event names the area only."""
        return None


class EventKind(models.TextChoices):
    INFECTION = rules.INFECTION, _("Infection found living or working there")
    STAY = rules.STAY, _("A case stayed there")
    ROUND_NEGATIVE = rules.ROUND_NEGATIVE, _("All-resident round, all negative")
    ROUND_POSITIVE = rules.ROUND_POSITIVE, _("All-resident round with a positive")
    ROUND_INCOMPLETE = rules.ROUND_INCOMPLETE, _("All-resident round, not every resident")


class ZoneEvent(models.Model):
    """What the clock of an area reads: one dated event (core events feed it, zones/events.py)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    day = models.DateField(_("day"))
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    ref = models.CharField(_("reference"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AreaRowQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["area", "day"], name="zone_event_area_day"),
                   models.Index(fields=["ref"], name="zone_event_ref")]

    def as_rule_event(self) -> rules.AreaEvent:
        return rules.AreaEvent(self.day, self.kind, self.ref)


class ClockWatch(models.Model):
    """When the daily regrade must look at an area again without a new event (zones/rules.py
    `next_check`): null when only a new event can change what its clock asks for."""

    area = models.OneToOneField(Area, models.CASCADE, primary_key=True, related_name="+")
    check_on = models.DateField(null=True, blank=True, db_index=True)


class RegradeRun(models.Model):
    """One run of the daily regrade: the day, the last event it had seen (later events mark
    their areas for the next run), when it ran and the rules it ran with (another preset:
    the next run reads every area)."""

    day = models.DateField()
    last_event = models.BigIntegerField(default=0)
    started_at = models.DateTimeField()
    rules = models.CharField(max_length=64)
    full = models.BooleanField(default=False)
    areas = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")


class Designation(models.Model):
    """A grade for an area from `since` (to `until`, when a later designation replaced it)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    grade = models.CharField(_("grade"), max_length=40)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # What is behind it: the events (day, kind, reference), the clock, the last event read.
    basis = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = AreaRowQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["area", "status", "since"], name="zone_desig_area"),
                   models.Index(fields=["status", "tenant"], name="zone_desig_status")]
        ordering = ["-since", "-id"]


class AlertKind(models.TextChoices):
    POSITIVE_WITHOUT_CASES = "positive_without_cases", _("Positive in an area without cases")
    UNKNOWN_SOURCE = "unknown_source", _("Case with no known source")
    POSITIVE_ROUND = "positive_round", _("Positive in an all-resident round")
    POSITIVE_ENVIRONMENT = "positive_environment", _("Positive environmental sample")
    RISING_POSITIVITY = "rising_positivity", _("Positivity rising over the last rounds")


class Alert(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    kind = models.CharField(_("alert"), max_length=40, choices=AlertKind.choices)
    day = models.DateField(_("day"))
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                        blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = AreaRowQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["tenant", "acknowledged_at"], name="zone_alert_open")]

    def summary(self) -> str:
        """What the alert is about, in the reader's language, from its detail (record numbers
        and figures only, never a person's data)."""
        d = self.detail or {}
        parts = []
        if d.get("case"):
            parts.append(gettext("case %(n)s") % {"n": d["case"]})
        if d.get("reference"):
            parts.append(str(d["reference"]))
        if d.get("positivity"):
            parts.append(gettext("positivity of the last rounds: %(list)s") % {"list": " → ".join(
                f"{share * 100:.2f} %" for share in d["positivity"])})
        if d.get("closed") == "source_known" and d.get("why") == "no_infection":
            parts.append(gettext("closed: the case is no longer an infection"))
        elif d.get("closed") == "source_known":
            parts.append(gettext("closed: the source became known (%(why)s)")
                         % {"why": d.get("why", "")})
        return "; ".join(parts)


class RoundFigure(models.Model):
    """A closed all-resident round's tubes and positive tubes in an area (from the
    `ScreeningRoundClosed` event): the series the rising-positivity warning reads."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")
    day = models.DateField()
    round_ref = models.CharField(max_length=40)
    tubes = models.PositiveIntegerField()
    positive = models.PositiveIntegerField()

    objects = AreaRowQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["area", "day"], name="zone_round_area_day")]
        constraints = [models.UniqueConstraint(fields=["area", "round_ref"],
                                               name="zone_round_once")]


class PublishedList(models.Model):
    """The public list of one day as published: frozen, never changed; a correction is a new
    version with a note."""

    day = models.DateField()
    version = models.PositiveSmallIntegerField(default=1)
    published_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)  # English, or as a person typed it
    # Why this version, as a code and its parameters (zones/reasons.py render_note): read in
    # the reader's language on the page; empty for a note typed by a person.
    note_code = models.JSONField(default=dict, blank=True)
    content = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "version"],
                                               name="zone_list_day_version")]
        ordering = ["-day", "-version"]


class PlaceKind(models.TextChoices):
    CONSTRUCTION_SITE = "construction_site", _("Construction site")
    MARKET = "market", _("Market")
    NURSING_HOME = "nursing_home", _("Nursing home")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")


class KeyPlace(models.Model):
    """A crowded place that must not become an amplifier (issue 11, key places)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    name = models.CharField(_("name"), max_length=200)
    people = models.PositiveIntegerField(_("staff or residents"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AreaRowQuerySet.as_manager()

    class Meta:
        ordering = ["area__path", "name"]


class PlaceMemberQuerySet(ScopedQuerySet):
    """A key place's people: personal data, scoped by the person's home area."""

    area_field = "person__home_area"
    person_field = "person"


class KeyPlaceMember(models.Model):
    """A person who works or lives at a key place: today's compliance counts their tests."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    place = models.ForeignKey(KeyPlace, models.CASCADE, related_name="members")
    person = models.ForeignKey("core.Person", models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlaceMemberQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place", "person"],
                                               name="zone_place_member_once")]


class SampleKind(models.TextChoices):
    SURFACE = "surface", _("Surface")
    COLD_CHAIN = "cold_chain", _("Cold-chain goods")
    SEWAGE = "sewage", _("Sewage")


class SampleResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")


class EnvironmentalSample(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    place = models.ForeignKey(KeyPlace, models.PROTECT, null=True, blank=True,
                              related_name="samples", verbose_name=_("key place"))
    kind = models.CharField(_("kind"), max_length=20, choices=SampleKind.choices)
    sampled_on = models.DateField(_("sampled on"))
    result = models.CharField(_("result"), max_length=10, choices=SampleResult.choices,
                              default=SampleResult.PENDING)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AreaRowQuerySet.as_manager()

    class Meta:
        ordering = ["-sampled_on", "-id"]
