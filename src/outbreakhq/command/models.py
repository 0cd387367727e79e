"""The command centre's tables: daily aggregates (no personal data), directives, commentary.

`DailyFigure` holds one row per (area, day, detection route, found under control): the counts
dashboards and reports read, kept up to date by subscribers to tracing's events
(command/aggregates.py) and rebuilt set-based after bulk loads. Rows sit at the record's own
area; a jurisdiction's figure is the sum over its subtree (a path-prefix test on `area_path`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.models import Area, ScopedQuerySet


class FigureQuerySet(ScopedQuerySet):
    area_field = "area"
    person_field = None


class DailyFigure(models.Model):
    tenant = models.ForeignKey(Area, models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, models.CASCADE, related_name="+")
    area_path = models.CharField(max_length=1000)  # the area's path, for roll-ups
    day = models.DateField()
    route = models.CharField(max_length=24, blank=True)  # tracing's DetectionRoute; "" contacts
    under_control = models.BooleanField(default=False)
    cases_reported = models.IntegerField(default=0)  # new cases by report date
    cases_by_onset = models.IntegerField(default=0)  # new cases by onset (report if none)
    contacts_new = models.IntegerField(default=0)  # contacts recorded that day

    objects = FigureQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "day", "route", "under_control"],
                                               name="figure_area_day_key")]
        indexes = [models.Index(fields=["tenant", "area_path", "day"], name="figure_path_day")]


class DailyTotal(models.Model):
    """DailyFigure summed over each area's whole subtree (the area itself included): what the
    dashboards read, one index range per area however large its subtree. Kept by the same
    subscribers (the difference a refresh makes is added to every ancestor) and by rebuild."""

    tenant = models.ForeignKey(Area, models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, models.CASCADE, related_name="+")
    day = models.DateField()
    route = models.CharField(max_length=24, blank=True)
    under_control = models.BooleanField(default=False)
    cases_reported = models.IntegerField(default=0)
    cases_by_onset = models.IntegerField(default=0)
    contacts_new = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "day", "route", "under_control"],
                                               name="total_area_day_key")]


class DirectiveStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class DirectiveQuerySet(ScopedQuerySet):
    area_field = "area"
    person_field = None


class Directive(models.Model):
    """An order of headquarters to an area or a department, with an owner and a deadline."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    department = models.CharField(_("department"), max_length=100, blank=True)
    title = models.CharField(_("directive"), max_length=200)
    expected_result = models.TextField(_("expected result"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=12, choices=DirectiveStatus.choices,
                              default=DirectiveStatus.OPEN)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField(null=True, blank=True)

    objects = DirectiveQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["tenant", "status", "deadline"], name="directive_open")]

    def __str__(self) -> str:
        return self.title

    def overdue_on(self, day) -> bool:
        return self.status == DirectiveStatus.OPEN and self.deadline < day


class DirectiveUpdate(models.Model):
    directive = models.ForeignKey(Directive, models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                               related_name="+")
    text = models.TextField(_("update"))
    status = models.CharField(_("status"), max_length=12, choices=DirectiveStatus.choices,
                              default=DirectiveStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Commentary(models.Model):
    """The situation report's commentary of one jurisdiction and day."""

    tenant = models.ForeignKey(Area, models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, models.CASCADE, related_name="+")
    day = models.DateField()
    text = models.TextField(_("commentary"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "day"],
                                               name="commentary_area_day")]
