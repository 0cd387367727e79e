"""Quarantine sites (buildings, floors, rooms with beds), the people awaiting a place, stays,
the tests of a stay's test days and the overrides of a rule.

Occupancy is never stored: it is counted from stays (issue 10, after CARE's capacity figures
that nobody trusted). "Occupied" means one thing everywhere: a stay that is placed and not
released or transferred. A bed is taken while the stay is in its quarantine phase
(`quarantine_end` not passed); home-monitoring days free the bed but keep the stay open.
Every row that names a person carries `tenant` and `area` (the site's area) for scope.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.models import Area, Person, ScopedQuerySet


class SiteKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    PURPOSE_BUILT = "purpose_built", _("Purpose-built site")
    HOSPITAL_WARD = "hospital_ward", _("Hospital ward")
    HOME = "home", _("Home quarantine")


class StayStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    RELEASED = "released", _("Released")
    TRANSFERRED = "transferred", _("Transferred")


class TestResult(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")


# The preset's kinds of person (protocols.PERSON_CATEGORIES), as people read them.
KIND_LABELS = {
    "close_contact": _("Close contact"),
    "secondary_contact": _("Contact of a close contact"),
    "inbound_traveller": _("Inbound traveller"),
    "high_risk_area_visitor": _("Back from a high-risk area"),
    "medium_risk_area_visitor": _("Back from a medium-risk area"),
    "low_risk_area_visitor": _("Back from a low-risk area"),
}


class KindLabel:
    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


class PlaceQuerySet(ScopedQuerySet):
    """Sites and rooms name nobody: scoped by the site's area only."""

    person_field = None

    def person_of(self, row) -> None:
        return None


class SiteQuerySet(PlaceQuerySet):
    area_field = "area"


class RoomQuerySet(PlaceQuerySet):
    area_field = "site__area"


class Site(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=SiteKind.choices)
    shared_rooms = models.BooleanField(
        _("unrelated people may share a room"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="qsite_area_name")]
        indexes = [models.Index(fields=["tenant", "area"], name="qsite_tenant_area")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_home(self) -> bool:
        return self.kind == SiteKind.HOME


class Building(models.Model):
    site = models.ForeignKey(Site, models.CASCADE, related_name="buildings")
    name = models.CharField(_("building"), max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="qbuilding_name")]

    def __str__(self) -> str:
        return self.name


class Floor(models.Model):
    building = models.ForeignKey(Building, models.CASCADE, related_name="floors")
    name = models.CharField(_("floor"), max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="qfloor_name")]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    # `site` repeats the floor's site so that occupancy and scope need no three-table join.
    site = models.ForeignKey(Site, models.CASCADE, related_name="rooms")
    floor = models.ForeignKey(Floor, models.CASCADE, related_name="rooms")
    number = models.CharField(_("room"), max_length=30)
    beds = models.PositiveIntegerField(_("beds"))

    objects = RoomQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["floor", "number"], name="qroom_number"),
            models.CheckConstraint(condition=Q(beds__gte=1), name="qroom_has_beds"),
        ]

    def __str__(self) -> str:
        return self.number


class AwaitingStatus(models.TextChoices):
    WAITING = "waiting", _("Awaiting placement")
    PLACED = "placed", _("Placed")


class Awaiting(KindLabel, models.Model):
    """A person handed over to quarantine (by tracing, ContactHandedToQuarantine) who has no
    place yet: the quarantine manager's "awaiting placement" list."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")  # the person's home area
    person = models.ForeignKey(Person, models.PROTECT, related_name="+")
    contact_id = models.BigIntegerField(null=True, blank=True)  # tracing's record number
    kind = models.CharField(_("kind"), max_length=32, default="close_contact")
    household = models.CharField(_("household"), max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=AwaitingStatus.choices,
                              default=AwaitingStatus.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["person"], condition=Q(status="waiting"), name="qawaiting_once")]
        indexes = [models.Index(fields=["tenant", "status", "id"], name="qawaiting_list")]


class Stay(KindLabel, models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")  # the site's area
    person = models.ForeignKey(Person, models.PROTECT, related_name="quarantine_stays")
    site = models.ForeignKey(Site, models.PROTECT, related_name="stays")
    room = models.ForeignKey(Room, models.PROTECT, null=True, blank=True, related_name="stays")
    kind = models.CharField(_("kind"), max_length=32)
    protocol = models.CharField(_("protocol"), max_length=40)  # the preset the dates came from
    start = models.DateField(_("start"))
    quarantine_end = models.DateField(_("quarantine until"))
    planned_end = models.DateField(_("planned end"))
    status = models.CharField(_("status"), max_length=12, choices=StayStatus.choices,
                              default=StayStatus.PLACED)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    household = models.CharField(_("household"), max_length=40, blank=True)
    contact_id = models.BigIntegerField(null=True, blank=True)  # tracing's record number
    previous = models.OneToOneField("self", models.SET_NULL, null=True, blank=True,
                                    related_name="next")  # the stay this one was transferred from
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            # A person is in one stay at a time: the service refuses first, this is the backstop.
            models.UniqueConstraint(fields=["person"], condition=Q(status="placed"),
                                    name="qstay_one_open_per_person"),
            models.CheckConstraint(condition=Q(planned_end__gte=models.F("start"))
                                   & Q(quarantine_end__gte=models.F("start")),
                                   name="qstay_end_after_start"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True)
                                   | Q(ended_on__gte=models.F("start")),
                                   name="qstay_ended_after_start"),
        ]
        indexes = [
            models.Index(fields=["site", "status", "quarantine_end"], name="qstay_site_open"),
            models.Index(fields=["room", "status", "quarantine_end"], name="qstay_room_open"),
            models.Index(fields=["tenant", "status", "planned_end"], name="qstay_due"),
            # "Is this household placed elsewhere?", asked at every placement.
            models.Index(fields=["tenant", "household"], condition=~Q(household=""),
                         name="qstay_household"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.site}"


class StayTest(models.Model):
    """The result of one day's test of a stay (typed in, or from screening later)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    stay = models.ForeignKey(Stay, models.CASCADE, related_name="tests")
    day = models.PositiveIntegerField(_("stay day"))
    date = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=10, choices=TestResult.choices)
    # Carried over from the stay this one was transferred from: not a second test.
    carried = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stay", "day"], name="qtest_stay_day")]


class Override(models.Model):
    """A rule set aside for one stay by someone allowed to (Can.OVERRIDE_RULES), with the
    written reason: a release before the schedule is complete, a test on a day off schedule."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    stay = models.ForeignKey(Stay, models.CASCADE, related_name="overrides")
    rule = models.CharField(_("rule"), max_length=40)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)


# Closed-loop staff cohorts (mission S3) ---------------------------------------------------------

class CohortKind(models.TextChoices):
    # The keys of the preset's `quarantine.staff_test_every_days` (protocols.STAFF_COHORT_KINDS).
    QUARANTINE_SITE = "quarantine_site", _("Quarantine-site staff")
    LAB = "lab", _("Laboratory staff")
    TRANSPORT = "transport", _("Transport staff")
    RISK_AREA = "risk_area", _("Risk-area staff")


class BreachKind(models.TextChoices):
    LEFT_LOOP = "left_loop", _("Left the closed loop")
    MISSED_TEST = "missed_test", _("Missed a test")
    EXPOSURE = "exposure", _("Exposure")


class CohortQuerySet(PlaceQuerySet):
    area_field = "area"


class Cohort(models.Model):
    """Front-line staff working in a closed loop: its kind (which decides how often its members
    are tested, from the preset), its place (a quarantine site, or a lab, a transport hub or a
    risk area named in `place`) and the area it sits in (scope)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    kind = models.CharField(_("kind"), max_length=20, choices=CohortKind.choices)
    name = models.CharField(_("name"), max_length=200)
    site = models.ForeignKey(Site, models.PROTECT, null=True, blank=True, related_name="cohorts")
    place = models.CharField(_("place"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="qcohort_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def place_label(self) -> str:
        return self.site.name if self.site_id else self.place


class CohortMember(models.Model):
    """A registered person in a cohort, from `joined_on` until `left_on` (open: still in it)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")  # the cohort's area
    cohort = models.ForeignKey(Cohort, models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, models.PROTECT, related_name="+")
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "person"],
                                               condition=Q(left_on__isnull=True),
                                               name="qmember_once")]
        indexes = [models.Index(fields=["tenant", "left_on"], name="qmember_open")]


class StaffTest(models.Model):
    """A cohort member's test typed in (screening's results are asked, not copied)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    member = models.ForeignKey(CohortMember, models.CASCADE, related_name="tests")
    date = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=10, choices=TestResult.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "date"], name="qstafftest_day")]


class BreachQuerySet(ScopedQuerySet):
    person_field = "member__person"


class Breach(models.Model):
    """A break of the closed loop: who (the member), when, what kind, what happened, who
    recorded it."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")
    member = models.ForeignKey(CohortMember, models.PROTECT, related_name="breaches")
    kind = models.CharField(_("kind"), max_length=16, choices=BreachKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    what = models.TextField(_("what happened"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = BreachQuerySet.as_manager()
