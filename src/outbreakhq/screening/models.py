"""Mass screening: campaigns and rounds, collection sites, pooled tubes and their members,
transport boxes, results and recalls.

Every row that names a person (a tube member, a recall) carries the person's home `area` and
`tenant` and a scoped queryset; tubes and boxes carry the collection site's area, so that a
lab technician reaches them by barcode through the same scope checks and sees no names.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.models import Area, Person, ScopedQuerySet


class RoundKind(models.TextChoices):
    """Who is screened: decides the pool size (protocol preset, screening.pool_size) and the
    detection route of a case found (tracing's DetectionRoute codes)."""

    COMMUNITY = "community", _("Community (other areas)")
    SEALED = "sealed_compound", _("Sealed compounds")
    PRIORITY = "priority_groups", _("Priority groups")
    QUARANTINE = "quarantine", _("Quarantine sites")


# The preset's key under screening.pool_size, and tracing's DetectionRoute code, per kind.
POOL_RULE = {RoundKind.COMMUNITY: "other_areas", RoundKind.SEALED: "sealed_compound",
             RoundKind.PRIORITY: "priority_groups", RoundKind.QUARANTINE: "quarantine"}
DETECTION_ROUTE = {RoundKind.COMMUNITY: "community_screening",
                   RoundKind.SEALED: "controlled_screening",
                   RoundKind.PRIORITY: "controlled_screening",
                   RoundKind.QUARANTINE: "quarantine_testing"}
UNDER_CONTROL = {RoundKind.SEALED, RoundKind.QUARANTINE}


class TubeStatus(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    SEALED = "sealed", _("Sealed")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received at the lab")
    RESULTED = "resulted", _("Resulted")


class Result(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")


class BoxStatus(models.TextChoices):
    SHIPPED = "shipped", _("In transit")
    RECEIVED = "received", _("Received at the lab")


class RecallReason(models.TextChoices):
    POSITIVE_POOL = "positive_pool", _("Positive pool: individual retest")
    INVALID_TUBE = "invalid_tube", _("Invalid tube: sample again")


class RecallStatus(models.TextChoices):
    NOTIFIED = "notified", _("Notified")
    RESAMPLED = "resampled", _("Resampled")
    RESULTED = "resulted", _("Result in")


class AreaOnlyQuerySet(ScopedQuerySet):
    """Rows placed at an area that name nobody (sites, tubes, boxes): scoped by area."""

    person_field = None

    def person_of(self, row) -> None:
        return None


class Campaign(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+",
                             verbose_name=_("target area"))
    name = models.CharField(_("name"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AreaOnlyQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    """One day of sampling of a target area's subtree."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="rounds")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+",
                             verbose_name=_("target area"))
    day = models.DateField(_("day"))
    kind = models.CharField(_("population"), max_length=20, choices=RoundKind.choices,
                            default=RoundKind.COMMUNITY)
    closed = models.BooleanField(_("closed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AreaOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign.name} {self.day:%Y-%m-%d}"

    @property
    def detection_route(self) -> str:
        return DETECTION_ROUTE[RoundKind(self.kind)]


class Site(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=200)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    capacity_per_hour = models.PositiveIntegerField(_("people per hour"), default=0)
    # A team going door to door (the elderly, the bedridden): its samples count "at home".
    home_visits = models.BooleanField(_("home visits"), default=False)

    objects = AreaOnlyQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class Lab(models.Model):
    """A testing laboratory (SORMAS: a facility of type "Laboratory"): boxes are received at
    it and it records their tubes' results. Placed at an area like a site; a lab technician
    works at the labs placed in their scope for `result.record` (no per-user lab list: a
    technician assigned to a district works for the district's labs)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=200)

    objects = AreaOnlyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"],
                                               name="lab_name_per_tenant")]

    def __str__(self) -> str:
        return self.name


class Box(models.Model):
    """A transport box of sealed tubes, from a site to the lab (chain of custody)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, models.PROTECT, related_name="boxes")
    code = models.CharField(_("box"), max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=BoxStatus.choices, default=BoxStatus.SHIPPED)
    shipped_at = models.DateTimeField()
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    # The lab it was received at (its tubes' results are that lab's): turnaround per lab.
    lab = models.ForeignKey(Lab, models.PROTECT, null=True, blank=True, related_name="boxes",
                            verbose_name=_("lab"))

    objects = AreaOnlyQuerySet.as_manager()

    def __str__(self) -> str:
        return self.code


def _who(_step: str):
    return models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="+")


class Tube(models.Model):
    """A sealed tube: one barcode per deployment, a site's area, the round, its members
    (TubeMember), each custody step with its time and who."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")
    barcode = models.CharField(_("barcode"), max_length=64, unique=True)
    round = models.ForeignKey(Round, models.PROTECT, related_name="tubes")
    site = models.ForeignKey(Site, models.PROTECT, related_name="tubes")
    box = models.ForeignKey(Box, models.SET_NULL, null=True, blank=True, related_name="tubes")
    capacity = models.PositiveSmallIntegerField(_("pool size"))
    members_count = models.PositiveSmallIntegerField(default=0)
    retest = models.BooleanField(default=False)  # an individual retest of a recall
    content = models.CharField(max_length=64)  # hash of round, site, members: idempotency
    status = models.CharField(max_length=10, choices=TubeStatus.choices,
                              default=TubeStatus.SEALED)
    collected_at = models.DateTimeField()
    collected_by = _who("collected")
    sealed_at = models.DateTimeField(null=True, blank=True)
    sealed_by = _who("sealed")
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_by = _who("shipped")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = _who("received")
    resulted_at = models.DateTimeField(null=True, blank=True)
    resulted_by = _who("resulted")
    # The lab's release of the result (the last step of turnaround: collection, receipt,
    # result, report); a result is not acted on outside the lab before it is reported.
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = _who("reported")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    ct = models.DecimalField(_("Ct value"), max_digits=4, decimal_places=1, null=True, blank=True)

    objects = AreaOnlyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["tenant", "status", "id"], name="tube_tenant_status"),
                   models.Index(fields=["round", "status"], name="tube_round_status"),
                   # A day's tubes by the time of a step (dashboards, hourly counts, the
                   # report's turnaround): a range of instants, never every tube of the tenant.
                   models.Index(fields=["collected_at"], name="tube_collected_at"),
                   models.Index(fields=["resulted_at"], name="tube_resulted_at")]

    def __str__(self) -> str:
        return self.barcode


class TubeMember(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")  # the person's home area
    tube = models.ForeignKey(Tube, models.CASCADE, related_name="members")
    round = models.ForeignKey(Round, models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, models.PROTECT, related_name="+")
    retest = models.BooleanField(default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            # One person is sampled once per round (a recall's retest comes on top).
            models.UniqueConstraint(fields=["round", "person"], condition=Q(retest=False),
                                    name="screening_once_per_round"),
        ]
        indexes = [models.Index(fields=["person", "round"], name="member_person_round")]


class Recall(models.Model):
    """A member of a positive pool (or of an invalid tube) called back for an individual
    sample: notified, resampled (in `retest_tube`), result in."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, models.PROTECT, related_name="+")
    tube = models.ForeignKey(Tube, models.PROTECT, related_name="recalls")
    # No index of its own: recall_round_person leads with the round. With one, statistics
    # taken before a round's recalls existed sent a retest's "open recall of this person" down
    # the round's index, through every recall of the round (the Shanghai day: 141,770 each).
    round = models.ForeignKey(Round, models.PROTECT, related_name="+", db_index=False)
    reason = models.CharField(max_length=16, choices=RecallReason.choices)
    status = models.CharField(_("status"), max_length=10, choices=RecallStatus.choices,
                              default=RecallStatus.NOTIFIED)
    retest_tube = models.ForeignKey(Tube, models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tube", "person"],
                                               name="recall_once_per_tube")]
        indexes = [models.Index(fields=["tenant", "status", "id"], name="recall_tenant_status"),
                   # a retest's "open recall of this person in this round": by person, not a
                   # walk over the round's recalls (quadratic over a city's round)
                   models.Index(fields=["round", "person", "status"],
                                name="recall_round_person")]


class Exemption(models.Model):
    """A person not to be sampled this round (hospitalised, away, sampled elsewhere), with the
    reason: counted apart on the coverage page, left off the missing list."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, models.CASCADE, related_name="exemptions")
    person = models.ForeignKey(Person, models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "person"],
                                               name="exempt_once_per_round")]


class Message(models.Model):
    """A bulk message already processed (tubes or results), by the id its sender gave it
    (the `Idempotency-Key` header or the FHIR Bundle's id): the same message again is answered
    with the stored answer, not processed again. Per sender (user) and kind; `digest` is the
    body's hash, so one id reused for another body is refused rather than answered wrongly."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)  # "tubes" or "results"
    key = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    answer = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "key"],
                                               name="message_once_per_sender")]
