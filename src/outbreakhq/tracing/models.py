"""Cases, their investigation, contacts, daily follow-up and transmission links.

Every row that names a person carries `tenant` (the root of the jurisdiction tree) and `area`
(where it belongs for scope: the person's home area when the row was made), so that scope
filters are a path-prefix test and the tables can be distributed by tenant (docs/scaling.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.models import Area, Person, ScopedQuerySet


class Classification(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected case")
    CONFIRMED = "confirmed", _("Confirmed case")
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic infection")
    DISCARDED = "discarded", _("Discarded")


class DetectionRoute(models.TextChoices):
    COMMUNITY_SCREENING = "community_screening", _("Community screening")
    CONTROLLED_SCREENING = "controlled_screening", _("Screening of a controlled population")
    QUARANTINE_TESTING = "quarantine_testing", _("Quarantine or closed-loop testing")
    CLINIC = "clinic", _("Clinic (presented with symptoms)")
    CONTACT_TRACING = "contact_tracing", _("Contact tracing")
    INBOUND = "inbound", _("Inbound traveller")


class Severity(models.TextChoices):
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")
    UNKNOWN = "unknown", _("Unknown")  # a line list that does not say (issue 14)


class Outcome(models.TextChoices):
    ACTIVE = "active", _("Under treatment")
    RECOVERED = "recovered", _("Recovered")
    DIED = "died", _("Died")
    UNKNOWN = "unknown", _("Unknown")


class ContactType(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    WORK = "work", _("Work or school")
    SAME_BUILDING = "same_building", _("Same building")
    TRANSPORT = "transport", _("Transport")
    HEALTH_CARE = "health_care", _("Health care")
    OTHER = "other", _("Other")


class Team(models.Model):
    """A tracing team: its members share a worklist."""

    area = models.ForeignKey(Area, models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="tracing_teams",
                                     blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="team_area_name")]

    def __str__(self) -> str:
        return self.name


class Cluster(models.Model):
    """An outbreak event at a place (a market, a construction site, a nursing home…)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="cases")
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    classification = models.CharField(_("classification"), max_length=16,
                                      choices=Classification.choices)
    onset_date = models.DateField(_("onset"), null=True, blank=True)
    sampling_date = models.DateField(_("sampled"), null=True, blank=True)
    report_date = models.DateField(_("reported"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices,
                               default=Outcome.ACTIVE)
    outcome_date = models.DateField(_("outcome date"), null=True, blank=True)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices,
                                default=Severity.MILD)
    detection_route = models.CharField(_("found by"), max_length=24,
                                       choices=DetectionRoute.choices)
    cluster = models.ForeignKey(Cluster, models.SET_NULL, null=True, blank=True,
                                related_name="cases", verbose_name=_("cluster"))
    # The infector, when known: the links of the transmission chains.
    source_case = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                    related_name="infected", verbose_name=_("source case"))
    # The infector a file named when it is not (yet) a case here: its external id, kept so that
    # the case is not taken for an index case, and linked by itself when that case is imported.
    source_external_id = models.CharField(_("source not listed"), max_length=64, blank=True,
                                          default="")
    # Derived by the service when the case is recorded (never typed): was the person already a
    # contact under follow-up or in quarantine? Feeds the "social zero" indicator.
    under_control_when_found = models.BooleanField(default=False, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="case_tenant_id"),
            models.UniqueConstraint(fields=["tenant", "external_id"], condition=~Q(external_id=""),
                                    name="case_external_id"),
            models.CheckConstraint(condition=~Q(source_case=models.F("id")),
                                   name="case_not_own_source"),
        ]
        indexes = [
            models.Index(fields=["tenant", "report_date", "id"], name="case_tenant_report"),
            models.Index(fields=["area", "report_date"], name="case_area_report"),
            # The cases waiting for an infector not listed yet, found by each import batch
            # (tracing/importer/sources.resolve) without reading the tenant's every case.
            models.Index(fields=["tenant", "source_external_id"], name="case_tenant_unlisted"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.who}"

    @property
    def who(self) -> str:
        """The person as pages show the case: the name, or for a person of a de-identified line
        list (no name), the case's external id (issue 14)."""
        return self.person.name or self.external_id or f"#{self.pk}"


class CandidateQuerySet(ScopedQuerySet):
    area_field = "case__area"
    person_field = "case__person"


class CandidateInfector(models.Model):
    """One of several possible infectors of a case (a transmission list naming two or three).
    The most likely one is also the case's source (`source_case`, or `source_external_id` when
    it is not a case here), which the chains follow; the others are shown on the case."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, models.CASCADE, related_name="candidate_infectors")
    infector = models.ForeignKey(Case, models.CASCADE, null=True, blank=True, related_name="+")
    external_id = models.CharField(_("infector's external id"), max_length=64, blank=True)
    most_likely = models.BooleanField(_("most likely"), default=False)
    position = models.PositiveSmallIntegerField(default=0)  # the order the file listed them

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "external_id"],
                                    name="candidate_infector_once"),
        ]
        indexes = [models.Index(fields=["tenant", "external_id"], name="candidate_by_name")]


class PlaceVisit(models.Model):
    """Where a case went in the infectious period: feeds risk-area grading."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, models.CASCADE, related_name="visits")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    place = models.CharField(_("place"), max_length=200)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    # How long the case stayed, when known: a visit of at least the preset's
    # `grading.stay_min_hours` in the infectious period is a stay for risk-area grading.
    hours = models.PositiveIntegerField(_("hours"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["date_from", "id"]
        constraints = [models.CheckConstraint(condition=Q(date_to__gte=models.F("date_from")),
                                              name="visit_dates_ordered")]


class Exposure(models.Model):
    """How and when the case was probably infected."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, models.CASCADE, related_name="exposures")
    date = models.DateField(_("date"), null=True, blank=True)
    setting = models.CharField(_("setting"), max_length=16, choices=ContactType.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["date", "id"]


class ContactCategory(models.TextChoices):
    CLOSE = "close_contact", _("Close contact")
    SECONDARY = "secondary_contact", _("Contact of a close contact")


class ContactStatus(models.TextChoices):
    FOLLOWING = "following", _("Under follow-up")
    QUARANTINE = "quarantine", _("Handed over to quarantine")
    COMPLETED = "completed", _("Follow-up completed")
    LOST = "lost", _("Lost to follow-up")
    CONVERTED = "converted", _("Became a case")


class Contact(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("area"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="contacts")
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    # A close contact's source is a case; a contact of a close contact's source is that close
    # contact (exactly one of the two is set).
    source_case = models.ForeignKey(Case, models.CASCADE, null=True, blank=True,
                                    related_name="contacts", verbose_name=_("source case"))
    source_contact = models.ForeignKey("self", models.CASCADE, null=True, blank=True,
                                       related_name="secondary_contacts")
    category = models.CharField(_("category"), max_length=20, choices=ContactCategory.choices)
    contact_type = models.CharField(_("type of contact"), max_length=16,
                                    choices=ContactType.choices)
    last_exposure = models.DateField(_("last exposure"))
    followup_start = models.DateField(_("follow-up from"))
    followup_end = models.DateField(_("follow-up until"))
    status = models.CharField(_("status"), max_length=12, choices=ContactStatus.choices,
                              default=ContactStatus.FOLLOWING)
    tracer = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("tracer"))
    team = models.ForeignKey(Team, models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("team"))
    converted_case = models.OneToOneField(Case, models.SET_NULL, null=True, blank=True,
                                          related_name="from_contact")
    # The latest day with a follow-up record, kept by the service that records follow-ups: the
    # "due today" and "overdue" worklists then need no per-contact subquery over follow-ups.
    last_followup = models.DateField(_("last follow-up"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="contact_tenant_id"),
            models.UniqueConstraint(fields=["tenant", "external_id"], condition=~Q(external_id=""),
                                    name="contact_external_id"),
            models.CheckConstraint(
                condition=Q(source_case__isnull=False, source_contact__isnull=True)
                | Q(source_case__isnull=True, source_contact__isnull=False),
                name="contact_one_source"),
            models.CheckConstraint(condition=Q(followup_end__gte=models.F("followup_start")),
                                   name="contact_followup_ordered"),
        ]
        indexes = [
            # The worklists' keyset order, after the tenant and status they filter on.
            models.Index(fields=["tenant", "status", "followup_end", "id"],
                         name="contact_worklist_keyset"),
            # "Mine" and "my teams": the same keyset order after the tracer or team. Without
            # them a tracer's 40 contacts were found by walking every followed contact of the
            # tenant (SQLite and PostgreSQL, 370,000 followed: 110-145 ms -> ~1 ms).
            models.Index(fields=["tracer", "status", "followup_end", "id"],
                         name="contact_tracer_worklist"),
            models.Index(fields=["team", "status", "followup_end", "id"],
                         name="contact_team_worklist"),
            models.Index(fields=["area", "status"], name="contact_area_status"),
            models.Index(fields=["tenant", "last_exposure", "id"], name="contact_tenant_exposure"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_category_display()})"


class FollowUpStatus(models.TextChoices):
    WELL = "well", _("Seen, well")
    SYMPTOMS = "symptoms", _("Seen, has symptoms")
    NOT_REACHED = "not_reached", _("Not reached")
    REFUSED = "refused", _("Refused")


class FollowUpQuerySet(ScopedQuerySet):
    area_field = "contact__area"
    person_field = "contact__person"


class FollowUp(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, models.CASCADE, related_name="followups")
    date = models.DateField(_("date"))
    status = models.CharField(_("result"), max_length=12, choices=FollowUpStatus.choices)
    symptoms = models.CharField(_("symptoms"), max_length=300, blank=True)
    temperature = models.DecimalField(_("temperature °C"), max_digits=3, decimal_places=1,
                                      null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["contact", "date"], name="followup_day")]
