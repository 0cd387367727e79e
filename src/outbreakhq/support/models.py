"""Residents' support requests, the teams that answer them, medical passes, stranded travellers
and their departure batches.

Rows that name someone carry `tenant` (the root of their jurisdiction tree) and `area` (where
they belong for scope), as tracing's do, and are read through `ScopedQuerySet.visible_to`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outbreakhq.core.models import Area, Person, ScopedQuerySet
from outbreakhq.support import rules


class Kind(models.TextChoices):
    URGENT_CARE = rules.Kind.URGENT_CARE, _("Urgent medical care")
    DIALYSIS = rules.Kind.DIALYSIS, _("Dialysis")
    CHEMOTHERAPY = rules.Kind.CHEMOTHERAPY, _("Chemotherapy")
    MATERNITY = rules.Kind.MATERNITY, _("Maternity (pregnancy, birth)")
    CHRONIC_MEDICINE = rules.Kind.CHRONIC_MEDICINE, _("Chronic medicine")
    MENTAL_HEALTH = rules.Kind.MENTAL_HEALTH, _("Mental health")
    FOOD = rules.Kind.FOOD, _("Food and daily goods")
    OTHER = rules.Kind.OTHER, _("Other")


class Urgency(models.TextChoices):
    URGENT = rules.Urgency.URGENT, _("Urgent")
    HIGH = rules.Urgency.HIGH, _("High")
    NORMAL = rules.Urgency.NORMAL, _("Normal")


class Status(models.TextChoices):
    RECEIVED = rules.Status.RECEIVED, _("Received")
    TRIAGED = rules.Status.TRIAGED, _("Triaged")
    ASSIGNED = rules.Status.ASSIGNED, _("Assigned to a team")
    IN_PROGRESS = rules.Status.IN_PROGRESS, _("In progress")
    DELIVERED = rules.Status.DELIVERED, _("Delivered")
    CLOSED = rules.Status.CLOSED, _("Closed")


class Source(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    COMMUNITY = "community", _("Community worker")
    PUBLIC = "public", _("Resident (public page)")


class TeamKind(models.TextChoices):
    COMMUNITY = "community", _("Community workers")
    VOLUNTEER = "volunteer", _("Volunteers")
    MEDICAL = "medical", _("Medical team")


class TeamQuerySet(ScopedQuerySet):
    person_field = None


class SupportTeam(models.Model):
    """Community workers, volunteers or a medical team, and the areas they serve."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=TeamKind.choices)
    areas = models.ManyToManyField(Area, related_name="+", blank=True,
                                   verbose_name=_("areas served"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(default=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "name"],
                                               name="support_team_area_name")]

    def __str__(self) -> str:
        return self.name


class SupportRequest(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    person = models.ForeignKey(Person, models.PROTECT, null=True, blank=True,
                               related_name="support_requests", verbose_name=_("person"))
    household_size = models.PositiveSmallIntegerField(_("people in the household"), null=True,
                                                      blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    answers = models.JSONField(default=dict, blank=True)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    urgency_rank = models.PositiveSmallIntegerField()  # rules.Rank: the queue's order
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("contact phone"), max_length=30)
    text = models.TextField(_("what is needed"), blank=True)
    reference = models.CharField(_("reference number"), max_length=16, unique=True)
    code_hash = models.CharField(max_length=64, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.RECEIVED)
    is_open = models.BooleanField(default=True, editable=False)
    received_at = models.DateTimeField(_("received"))
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    started_at = models.DateTimeField(_("in progress since"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("time of", "closed"), null=True, blank=True)
    close_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)
    team = models.ForeignKey(SupportTeam, models.PROTECT, null=True, blank=True,
                             related_name="requests", verbose_name=_("team"))
    deadline = models.DateTimeField(_("respond by"))
    escalated_at = models.DateTimeField(_("escalated to command"), null=True, blank=True)
    client_key = models.CharField(max_length=64, blank=True, editable=False)  # public page
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            # The queue: open requests of a tenant, most urgent first, then by deadline.
            models.Index(fields=["tenant", "is_open", "urgency_rank", "deadline", "id"],
                         name="support_req_queue"),
            # Escalation: the open requests not yet escalated, by deadline (a small index).
            models.Index(fields=["deadline"], condition=Q(is_open=True, escalated_at__isnull=True),
                         name="support_req_to_escalate"),
            # The overdue count: escalated, still waiting.
            models.Index(fields=["tenant", "urgency_rank"],
                         condition=Q(is_open=True, escalated_at__isnull=False,
                                     status__in=("received", "triaged")),
                         name="support_req_escalated"),
            # Duplicates of the public page: same phone, kind and area while open.
            models.Index(fields=["phone", "kind", "area"], name="support_req_dup"),
        ]

    def __str__(self) -> str:
        return self.reference


class MedicalPass(models.Model):
    """A pass for a resident's trip to hospital that no checkpoint may refuse for want of a
    fresh test: it carries the protocol's rule and who issued it."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+")
    request = models.ForeignKey(SupportRequest, models.PROTECT, related_name="passes")
    person = models.ForeignKey(Person, models.PROTECT, null=True, blank=True, related_name="+")
    holder = models.CharField(_("holder"), max_length=200)
    destination = models.CharField(_("destination"), max_length=200)
    rule_text = models.TextField(_("rule"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateTimeField(_("valid until"))

    objects = ScopedQuerySet.as_manager()


class TravellerStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ON_BATCH = "on_batch", _("On a departure batch")
    DEPARTED = "departed", _("Departed")
    HANDED_OVER = "handed_over", _("Handed over at the destination")


class Traveller(models.Model):
    """A stranded traveller: where they stay (the area decides the rule), where they go home."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+",
                             verbose_name=_("area where staying"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name=_("person"))
    staying_at = models.CharField(_("staying at"), max_length=300)
    home_destination = models.CharField(_("home destination"), max_length=200)
    since = models.DateField(_("stranded since"))
    contact = models.CharField(_("contact"), max_length=100)
    status = models.CharField(_("status"), max_length=12, choices=TravellerStatus.choices,
                              default=TravellerStatus.WAITING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["person"], condition=~Q(status="handed_over"),
            name="support_traveller_once")]


class BatchStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DEPARTED = "departed", _("Departed")
    HANDED_OVER = "handed_over", _("Handed over at the destination")


class BatchQuerySet(ScopedQuerySet):
    person_field = None


class DepartureBatch(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+",
                             verbose_name=_("departure area"))
    means = models.CharField(_("means"), max_length=100)
    destination = models.CharField(_("destination"), max_length=200)
    date = models.DateField(_("date"))
    capacity = models.PositiveIntegerField(_("capacity"))
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices,
                              default=BatchStatus.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BatchQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.means} {self.date} → {self.destination}"


class AssignmentQuerySet(ScopedQuerySet):
    area_field = "traveller__area"
    person_field = "traveller__person"


class BatchAssignment(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    batch = models.ForeignKey(DepartureBatch, models.CASCADE, related_name="assignments")
    traveller = models.OneToOneField(Traveller, models.CASCADE, related_name="assignment")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()
