"""Declaring an outbreak over and reopening it: administrators of a whole tree only, audited;
the administrators' retention page and the `outbreak` and `purge` commands."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from outbreakhq.core import outbreaks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotPermitted, OutOfScope
from outbreakhq.core.models import AuditEvent, OutbreakDeclaration, Person
from outbreakhq.core.roles import Role
from tests.factories import Territory, logged_in, make_person, make_user

pytestmark = pytest.mark.django_db



@pytest.fixture
def admin(land: Territory):
    return make_user(Role.ADMIN, land.region, username="ada")



def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def test_declaring_over_is_audited_with_who_and_when(land: Territory, admin) -> None:
    declaration = outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=land.region,
                                                  on=days_ago(2),
                                                  note="Order 12")

    assert (declaration.tenant, declaration.declared_by_username) == (land.region, "ada")
    [event] = AuditEvent.objects.all()
    assert (event.action, event.object_type, event.area_path) == (
        "create", "outbreak_declaration", land.region.path)
    assert event.detail == {"over_on": days_ago(2).isoformat()}


def test_reopening_is_audited_and_keeps_the_declaration_as_history(land: Territory, admin) -> None:
    outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=land.region, on=days_ago(2))
    outbreaks.reopen_outbreak(actor=Actor.of(admin), area=land.region, reason="flare-up")
    outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=land.region, on=days_ago(0))

    assert [d.is_open for d in OutbreakDeclaration.objects.order_by("id")] == [False, True]
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["create", "change", "create"]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_roles_other_than_admin_may_not_declare_an_outbreak_over(land: Territory, role) -> None:
    user = make_user(role, land.region)
    with pytest.raises(NotPermitted):
        outbreaks.declare_outbreak_over(actor=Actor.of(user), area=land.region, on=days_ago(0))
    assert not OutbreakDeclaration.objects.exists()
    assert AuditEvent.objects.get().action == "denied"


def test_an_administrator_of_one_county_may_not_declare_the_tree_over(land: Territory) -> None:
    county_admin = make_user(Role.ADMIN, land.county1)
    with pytest.raises(OutOfScope):
        outbreaks.declare_outbreak_over(actor=Actor.of(county_admin), area=land.region,
                                        on=days_ago(0))
    with pytest.raises(InvalidInput, match="whole jurisdiction tree"):
        outbreaks.declare_outbreak_over(actor=Actor.of(county_admin), area=land.county1,
                                        on=days_ago(0))
    assert not OutbreakDeclaration.objects.exists()


def test_a_declaration_in_the_future_or_twice_is_refused(land: Territory, admin) -> None:
    with pytest.raises(InvalidInput) as future:
        outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=land.region, on=days_ago(-1))
    assert future.value.errors[0].field == "on"
    outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=land.region, on=days_ago(0))
    with pytest.raises(InvalidInput, match="already declared over"):
        outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=land.region, on=days_ago(0))
    with pytest.raises(InvalidInput, match="nothing to reopen"):
        outbreaks.reopen_outbreak(actor=Actor.of(make_user(Role.ADMIN, land.corps_root)),
                                  area=land.corps_root)


def test_the_retention_page_shows_each_tree_and_its_purge_schedule(land: Territory, admin) -> None:
    make_person(land.compound1)
    outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=land.region, on=days_ago(10))

    page = logged_in(admin).get("/retention/").content.decode()

    assert land.region.code in page and "Declared over on" in page
    due = (days_ago(10) + timedelta(days=365)).isoformat()
    assert f"will be purged on {due}" in page
    assert land.corps_root.code not in page  # not this administrator's tree


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_roles_other_than_admin_are_refused_the_retention_page(land: Territory, role) -> None:
    client = logged_in(make_user(role, land.region))
    assert client.get("/retention/").status_code == 403
    assert client.get(f"/retention/{land.region.code}/purge/").status_code == 403


def test_an_administrator_declares_previews_purges_and_reopens_from_the_page(
        land: Territory, admin, settings) -> None:
    settings.OUTBREAKHQ_RETENTION = {"followup": 0, "contact": 0, "case": 0, "person": 0,
                                     "audit": 1825}
    make_person(land.compound1)
    client = logged_in(admin)
    code = land.region.code

    assert client.post(f"/retention/{code}/declare/", {"on": "2026-02-30"}).status_code == 302
    assert not OutbreakDeclaration.objects.exists()
    client.post(f"/retention/{code}/declare/", {"on": days_ago(0).isoformat(), "note": "x"})
    preview = client.get(f"/retention/{code}/purge/")
    assert preview.status_code == 200 and preview.context["result"].counts["person"] == 1
    assert Person.objects.count() == 1  # the preview deleted nothing

    assert client.post(f"/retention/{code}/purge/").status_code == 302
    assert not Person.objects.exists()
    assert AuditEvent.objects.filter(object_type="retention_purge").count() == 1
    client.post(f"/retention/{code}/reopen/", {"reason": "flare-up"})
    assert not OutbreakDeclaration.objects.filter(reopened_at__isnull=True).exists()


def test_a_county_administrator_sees_no_tree_and_may_not_purge(land: Territory, admin) -> None:
    outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=land.region, on=days_ago(3000))
    client = logged_in(make_user(Role.ADMIN, land.county1))
    make_person(land.compound1)

    assert client.get("/retention/").context["schedules"] == []
    assert client.post(f"/retention/{land.region.code}/purge/").status_code == 403
    assert Person.objects.count() == 1


def test_the_commands_declare_list_and_purge(land: Territory, admin) -> None:
    make_person(land.compound1)
    call_command("outbreak", "over", land.region.code, "--on", days_ago(400).isoformat(),
                 "--user", "ada", stderr=StringIO())
    listing = StringIO()
    call_command("outbreak", "list", stdout=listing)
    assert f"{land.region.code}\tdeclared over on {days_ago(400)}" in listing.getvalue()

    dry = StringIO()
    call_command("purge", "--dry-run", stdout=dry)
    assert f"{land.region.code}: would delete followup=0, contact=0, case=0, person=1" \
        in dry.getvalue()
    assert Person.objects.count() == 1
    call_command("purge", stdout=StringIO())
    assert not Person.objects.exists()
    event = AuditEvent.objects.get(object_type="retention_purge")
    assert (event.username, event.channel) == ("", "cli")


def test_the_commands_refuse_a_non_administrator_with_the_reason(land: Territory) -> None:
    make_user(Role.TRACER, land.region, username="tina")
    with pytest.raises(CommandError, match="Your role does not allow you"):
        call_command("outbreak", "over", land.region.code, "--user", "tina", stderr=StringIO())
    with pytest.raises(CommandError, match="Your role does not allow you"):
        call_command("purge", "--user", "tina", "--area", land.region.code, stdout=StringIO())
