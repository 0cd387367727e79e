"""Core state: jurisdiction trees, people, users' scopes, API tokens and the audit trail.

Scale-out (docs/scaling.md): tables that grow with the population (people, their key-group
tags, audit events) carry `tenant`, the root area of their jurisdiction tree, with a unique
(tenant, id) key and tenant-leading indexes, so that they can be distributed by tenant later.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.roles import Role


class Level(models.TextChoices):
    REGION = "region", _("Region")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Residential compound")
    OTHER = "other", _("Other unit")


PATH_SEP = "/"


class AreaQuerySet(models.QuerySet):
    def subtree(self, area: Area) -> AreaQuerySet:
        """The area and everything below it: one indexed prefix scan on the materialised path."""
        return self.filter(path__startswith=area.path)

    def roots(self) -> AreaQuerySet:
        return self.filter(parent__isnull=True)


class Area(models.Model):
    """A unit of one jurisdiction tree. `path` is '/<root code>/…/<own code>/'."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                               related_name="children")
    root = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="+")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    population = models.PositiveBigIntegerField(_("population"), default=0)
    shape = models.JSONField(_("GeoJSON shape"), null=True, blank=True)
    path = models.CharField(max_length=1000, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.code})"

    @property
    def tenant_id(self) -> int:
        return self.root_id or self.id

    def display_name(self, language: str | None = None) -> str:
        if (language or "").startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en

    def ancestors(self) -> AreaQuerySet:
        """The chain from the root down to this area, in order (one query)."""
        codes = [c for c in self.path.split(PATH_SEP) if c]
        return Area.objects.filter(code__in=codes).order_by("depth")

    def contains(self, other: Area) -> bool:
        return other.path.startswith(self.path)


class KeyGroup(models.Model):
    """A key population under surveillance (health worker, market vendor, …): reference data."""

    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en

    def display_name(self, language: str | None = None) -> str:
        if (language or "").startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "U", _("Unknown")


class IdType(models.TextChoices):
    CN_RESIDENT = "cn_resident", _("Chinese resident ID (18 digits)")
    PASSPORT = "passport", _("Passport")
    HK_MACAU = "hk_macau", _("Mainland travel permit for Hong Kong and Macau residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    FOREIGN_RESIDENT = "foreign_resident", _("Foreign permanent resident ID")
    OTHER = "other", _("Other document")
    NONE = "none", _("No document")


class ScopedQuerySet(models.QuerySet):
    """The one scoped entry point for rows that name a person, used by every app.

    A model declares once where its rows sit (`area_field`) and whose they are (`person_field`,
    None for a person); callers never pass field names. Rows carry `tenant`, the root of their
    jurisdiction tree: the tenant test adds nothing to the path test, but it lets the database
    walk the tenant-leading indexes in list order and stop after one page, instead of sorting
    the whole scope for every page view (measured: 0.6 s -> a few ms at 100,000 cases)."""

    area_field = "area"
    person_field: str | None = "person"

    def visible_to(self, actor, capability: str = "person.view", *,
                   within: Area | None = None):
        # core/scope.py reads Area and Assignment from this module: imported here, not above.
        from outbreakhq.core.scope import scope_areas, scope_filter

        tenants = sorted({a.tenant_id for a in scope_areas(actor, capability, within=within)})
        return self.filter(scope_filter(actor, capability, f"{self.area_field}__path",
                                        within=within), tenant_id__in=tenants)

    def with_place(self) -> ScopedQuerySet:
        """Join what a refusal names (the row's area and person) in the same query."""
        joins = [self.area_field] + ([self.person_field] if self.person_field else [])
        return self.select_related(*joins)

    def area_of(self, row) -> Area:
        return _follow(row, self.area_field)

    def person_of(self, row) -> Person:
        return _follow(row, self.person_field) if self.person_field else row


def _follow(row, path: str):
    for name in path.split("__"):
        row = getattr(row, name)
    return row


class PersonQuerySet(ScopedQuerySet):
    area_field = "home_area"
    person_field = None


class Person(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+", editable=False)
    name = models.CharField(_("name"), max_length=200)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_type = models.CharField(_("identity document"), max_length=20, choices=IdType.choices,
                               default=IdType.NONE)
    id_number = models.CharField(_("document number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    home_area = models.ForeignKey(Area, models.PROTECT, related_name="residents",
                                  verbose_name=_("home area"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    key_groups = models.ManyToManyField(KeyGroup, through="PersonKeyGroup", blank=True,
                                        verbose_name=_("key groups"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "id"], name="person_tenant_id")]
        indexes = [
            models.Index(fields=["id_number"], name="person_id_number"),
            models.Index(fields=["phone"], name="person_phone"),
            models.Index(fields=["name"], name="person_name"),
            models.Index(fields=["tenant", "home_area"], name="person_tenant_area"),
            # Duplicate search (core/dedup.py) groups and fetches people by birth date.
            models.Index(fields=["tenant", "birth_date"], name="person_tenant_birth"),
        ]

    def __str__(self) -> str:
        return self.name


class PersonKeyGroup(models.Model):
    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE)
    key_group = models.ForeignKey(KeyGroup, models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "person", "key_group"],
                                    name="person_key_group")
        ]


class Assignment(models.Model):
    """A user holds a role over an area and everything below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(Area, models.PROTECT, related_name="assignments")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"],
                                    name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.area.code}"


class ApiToken(models.Model):
    """A machine client's bearer token: only a SHA-256 digest is stored, the secret shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    CHANGE = "change", _("changed")
    DELETE = "delete", _("deleted")
    VIEW = "view", _("viewed")
    EXPORT = "export", _("exported")
    SEARCH = "search", _("searched")
    DENIED = "denied", _("denied")
    LOGIN = "login", _("sign-in")
    TOKEN = "token", _("token")


class AuditEvent(models.Model):
    """Append-only: the model refuses updates and deletes, and database triggers (migration 0002)
    refuse them too, so no code path of the app can rewrite history."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    tenant_id = models.BigIntegerField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="+", db_constraint=False)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    area_path = models.CharField(max_length=1000, blank=True)
    channel = models.CharField(max_length=10, default="web")
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events cannot be deleted")


class AuditShown(models.Model):
    """The people an audit event showed: one row per (event, person), written in the same
    transaction as the event by core.audit.record_shown (list pages, searches, worklists).

    It answers "who looked at this person" without reading the events' JSON: the primary key
    (tenant, person, event) is the index that query walks, tenant first so that the table can be
    distributed by tenant like the others (docs/scaling.md). Plain numbers, not foreign keys:
    the trail outlives the records. Append-only like AuditEvent (migration 0006's triggers)."""

    pk = models.CompositePrimaryKey("tenant_id", "person_id", "event_id")
    tenant_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    event_id = models.BigIntegerField()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit rows cannot be deleted")


class PersonMerge(models.Model):
    """One merge of two records of the same person (core/merge.py). The removed record is kept
    here in full, with the kept record's values before the merge and the ids of every row moved,
    so nothing is lost and a mistaken merge can be undone by hand. The person ids are plain
    numbers, not foreign keys: this log must outlive both records (and stay out of
    Person._meta.related_objects, which the merge walks)."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    kept_id = models.BigIntegerField(db_index=True)
    merged_id = models.BigIntegerField(db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                           related_name="+")
    by_username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    choices = models.JSONField(default=dict)
    merged = models.JSONField(encoder=DjangoJSONEncoder)
    kept_before = models.JSONField(encoder=DjangoJSONEncoder)
    moved = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "id"], name="merge_tenant_id")]


class DismissedPair(models.Model):
    """Two records someone judged to be different people: the pair is never proposed again.
    Stored as (lower id, higher id) so each pair has one row."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    person_low = models.BigIntegerField()
    person_high = models.BigIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "person_low", "person_high"],
                                    name="dismissed_pair"),
            models.CheckConstraint(condition=models.Q(person_low__lt=models.F("person_high")),
                                   name="dismissed_pair_ordered"),
        ]


class OutbreakDeclaration(models.Model):
    """The outbreak in one jurisdiction tree declared over on a date (core/outbreaks.py). The
    retention clock of every record of the tree runs from `over_on` (core/purge.py). A flare-up
    reopens it: `reopened_at` is set, which cancels the purges still pending; the row stays as
    history, and a later declaration is a new row. At most one open declaration per tree."""

    tenant = models.ForeignKey(Area, models.PROTECT, related_name="+")
    over_on = models.DateField(_("declared over on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    declared_by_username = models.CharField(max_length=150, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    reopened_by_username = models.CharField(max_length=150, blank=True)
    reopen_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant"], condition=models.Q(reopened_at__isnull=True),
                                    name="one_open_declaration_per_tree"),
        ]

    @property
    def is_open(self) -> bool:
        return self.reopened_at is None


class PeriodicRun(models.Model):
    """One slot of one periodic job (core/periodic.py): inserted before the job runs, unique on
    (job, slot), so that two schedulers never run a slot twice. No personal data."""

    RUNNING, DONE, FAILED = "running", "done", "failed"

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()  # the slot's start, UTC
    status = models.CharField(max_length=8, default=RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=1000, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_slot")]
        ordering = ["-slot", "job"]
