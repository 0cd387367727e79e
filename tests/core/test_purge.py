"""The retention purge: each kind of record goes once its period has run since the outbreak of its
tree was declared over, never while it is active, never after a reopening; audit events go only
through the database's purge permit, and every purge leaves one audit event."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from outbreakhq.core import merge, outbreaks, purge
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent, DismissedPair, Person, PersonMerge
from outbreakhq.core.roles import Role
from outbreakhq.tracing import services
from outbreakhq.tracing.models import Case, Contact, FollowUp
from outbreakhq.tracing.services.followups import record_followup
from tests.factories import Territory, make_person, make_user, territory

pytestmark = pytest.mark.django_db

SHORT_PEOPLE = {"followup": 30, "contact": 90, "case": 365, "person": 90, "audit": 1825}


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


class Outbreak:
    """One tree with a case, its contact and a follow-up, and an administrator of the tree."""

    def __init__(self, land: Territory) -> None:
        self.land = land
        self.admin = make_user(Role.ADMIN, land.region, username="ada")
        self.tracer = make_user(Role.TRACER, land.county1, username="tina")
        self.patient = make_person(land.compound1, name="Patient Zero", phone="13800000001")
        self.case = services.open_case(actor=Actor.of(self.tracer), person_id=self.patient.pk,
                                       data={
            "classification": "confirmed", "report_date": days_ago(5), "onset_date": days_ago(7),
            "detection_route": "clinic"})
        self.neighbour = make_person(land.compound1, name="Next Door")
        self.contact = services.add_contact(
            actor=Actor.of(self.tracer), case_id=self.case.pk, person_id=self.neighbour.pk,
            data={"contact_type": "household", "last_exposure": days_ago(3)})
        record_followup(actor=Actor.of(self.tracer), contact_id=self.contact.pk,
                        data={"status": "well"})

    def declare_over(self, days: int):
        return outbreaks.declare_outbreak_over(actor=Actor.of(self.admin), area=self.land.region,
                                               on=days_ago(days))


@pytest.fixture
def outbreak() -> Outbreak:
    return Outbreak(territory())


def rows() -> dict[str, int]:
    return {"followups": FollowUp.objects.count(), "contacts": Contact.objects.count(),
            "cases": Case.objects.count(), "people": Person.objects.count()}


def test_nothing_is_purged_while_the_outbreak_is_active(outbreak: Outbreak) -> None:
    corps_resident = make_person(outbreak.land.corps_unit)
    before, events = rows(), AuditEvent.objects.count()
    # Another tree declared over long ago is purged; nothing changes in this one.
    corps_admin = make_user(Role.ADMIN, outbreak.land.corps_root)
    outbreaks.declare_outbreak_over(actor=Actor.of(corps_admin), area=outbreak.land.corps_root,
                                    on=days_ago(3000))

    [corps] = purge.purge()

    assert (corps.tenant, corps.counts["person"]) == (outbreak.land.corps_root, 1)
    assert not Person.objects.filter(pk=corps_resident.pk).exists()
    assert rows() == {**before, "people": before["people"] - 1}
    # The corps declaration and its purge; none of this tree's events went.
    assert AuditEvent.objects.count() == events + 2
    assert purge.purge_tree(tenant=outbreak.land.region).declaration is None


def test_followups_purged_after_their_retention_once_declared_over(outbreak: Outbreak) -> None:
    outbreak.declare_over(30)

    assert purge.purge(today=days_ago(1))[0].total == 0  # day 29: not yet
    assert FollowUp.objects.count() == 1

    [result] = purge.purge()  # day 30

    assert result.counts == {"followup": 1}
    assert rows() == {"followups": 0, "contacts": 1, "cases": 1, "people": 2}


def test_person_with_a_retained_case_is_kept(outbreak: Outbreak, settings) -> None:
    settings.OUTBREAKHQ_RETENTION = SHORT_PEOPLE
    outbreak.declare_over(100)

    [result] = purge.purge()

    assert result.counts == {"followup": 1, "contact": 1, "person": 1}
    assert list(Person.objects.all()) == [outbreak.patient]  # the case is kept 365 days
    assert Case.objects.get().person == outbreak.patient


def test_people_and_records_entered_after_the_declaration_are_not_purged(
        outbreak: Outbreak, settings) -> None:
    settings.OUTBREAKHQ_RETENTION = SHORT_PEOPLE
    outbreak.declare_over(400)
    latecomer = make_person(outbreak.land.compound1)

    purge.purge()

    assert list(Person.objects.all()) == [latecomer]


def test_reopening_cancels_the_purge(outbreak: Outbreak) -> None:
    before = rows()
    outbreak.declare_over(400)
    outbreaks.reopen_outbreak(actor=Actor.of(outbreak.admin), area=outbreak.land.region,
                              reason="new case")

    assert [r.total for r in purge.purge()] == []
    assert purge.purge_tree(tenant=outbreak.land.region).total == 0
    assert rows() == before
    # Declared over again today: the clock starts again from today.
    outbreak.declare_over(0)
    assert purge.purge()[0].total == 0
    assert rows() == before


def test_audit_events_are_deleted_only_through_the_permit_and_the_purge_is_audited(
        outbreak: Outbreak) -> None:
    old_events = AuditEvent.objects.count()
    assert old_events > 0
    declaration = outbreak.declare_over(1825)

    [result] = purge.purge()

    assert result.counts == {"followup": 1, "contact": 1, "case": 1, "person": 2,
                             "audit": old_events}
    assert rows() == {"followups": 0, "contacts": 0, "cases": 0, "people": 0}
    declared, purged = AuditEvent.objects.order_by("id")
    assert (declared.object_type, declared.action) == ("outbreak_declaration", "create")
    assert (purged.object_type, purged.action, purged.object_id) == (
        "retention_purge", "delete", str(declaration.pk))
    assert purged.tenant_id == outbreak.land.region.pk
    assert purged.detail["counts"]["audit"] == old_events
    assert purged.detail["rules"]["case"] == {
        "days": 365, "due_on": (declaration.over_on + timedelta(days=365)).isoformat()}
    stored = json.dumps(purged.detail, ensure_ascii=False)
    for value in ("Patient Zero", "Next Door", "13800000001", outbreak.patient.id_number):
        assert value not in stored
    # The permit lasted for the purge only: the trail is append-only again.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM core_audit_purge_permit")
        assert cursor.fetchone()[0] == 0
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=purged.pk).delete()
    assert AuditEvent.objects.count() == 2


def test_audit_events_outlive_the_data_they_describe(outbreak: Outbreak) -> None:
    outbreak.declare_over(400)
    events = AuditEvent.objects.count()

    [result] = purge.purge()

    assert "audit" not in result.counts
    assert rows()["people"] == 0
    assert AuditEvent.objects.count() == events + 1


def test_purge_twice_changes_nothing(outbreak: Outbreak) -> None:
    outbreak.declare_over(2000)
    purge.purge()
    events = list(AuditEvent.objects.values_list("id", flat=True))

    [again] = purge.purge()

    assert again.total == 0 and again.counts == {"followup": 0, "contact": 0, "case": 0,
                                                 "person": 0, "audit": 0}
    assert list(AuditEvent.objects.values_list("id", flat=True)) == events


def test_a_dry_run_deletes_nothing_and_gives_the_exact_figures(outbreak: Outbreak) -> None:
    outbreak.declare_over(400)
    before, events = rows(), AuditEvent.objects.count()

    [preview] = purge.purge(dry_run=True)

    assert preview.counts == {"followup": 1, "contact": 1, "case": 1, "person": 2}
    assert rows() == before and AuditEvent.objects.count() == events
    assert purge.purge()[0].counts == preview.counts


def test_merge_log_of_a_purged_person_goes_with_them(outbreak: Outbreak, settings) -> None:
    settings.OUTBREAKHQ_RETENTION = SHORT_PEOPLE
    land = outbreak.land
    first, second, third = (make_person(land.compound1, name=f"Twin {n}") for n in range(3))
    stranger = make_person(land.compound1)
    merge.dismiss_pair(actor=Actor.of(outbreak.tracer), person_ids=(third.pk, stranger.pk))
    merge.merge_people(actor=Actor.of(outbreak.tracer), keep_id=second.pk, merge_id=first.pk,
                       choices={})
    merge.merge_people(actor=Actor.of(outbreak.tracer), keep_id=third.pk, merge_id=second.pk,
                       choices={})
    # The patient keeps a case (365 days): the log of a record merged into them stays.
    duplicate = make_person(land.compound1, name="Patient Zero")
    merge.merge_people(actor=Actor.of(outbreak.tracer), keep_id=outbreak.patient.pk,
                       merge_id=duplicate.pk,
                       choices={})
    assert PersonMerge.objects.count() == 3 and DismissedPair.objects.count() == 1
    outbreak.declare_over(100)

    [result] = purge.purge()

    assert set(Person.objects.all()) == {outbreak.patient}
    assert list(PersonMerge.objects.values_list("kept_id", flat=True)) == [outbreak.patient.pk]
    assert not DismissedPair.objects.exists()
    assert result.deleted["core.PersonMerge"] == 2
    assert result.deleted["core.DismissedPair"] == 1
