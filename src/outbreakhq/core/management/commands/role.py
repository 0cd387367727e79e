"""`outbreakhq role grant USER ROLE AREA` / `role revoke USER ROLE AREA` / `role list [USER]`:
give a user a role over an area (and everything below it), take it back, or list who holds
what, from the server's command line: what an operator does after `createsuperuser`, who
otherwise holds no role and may do nothing (issue 14). Every grant and revocation is audited
(`assignment` events, placed at the area, naming the user, the role and who ran the command:
`--by ADMIN`, else the operating-system account).
"""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, Assignment
from outbreakhq.core.roles import Role


class Command(BaseCommand):
    help = "Grant, revoke or list users' roles over areas (audited)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for action, text in (("grant", "give USER the ROLE over AREA and below it"),
                             ("revoke", "take the ROLE over AREA back from USER")):
            one = sub.add_parser(action, help=text)
            one.add_argument("user")
            one.add_argument("role", choices=[r.value for r in Role])
            one.add_argument("area", help="area code")
            one.add_argument("--by", default="",
                             help="the administrator's account, for the audit trail")
        listing = sub.add_parser("list", help="who holds which role where")
        listing.add_argument("user", nargs="?", default="")

    def handle(self, *args, action: str, **options):
        if action == "list":
            self._list(options["user"])
            return
        user = self._user(options["user"])
        area = Area.objects.filter(code=options["area"]).first()
        if area is None:
            raise CommandError(f"No area with code {options['area']!r}.")
        role = options["role"]
        by = self._user(options["by"]) if options["by"] else None
        actor = Actor.for_command(by) if by is not None else Actor(user=None, channel="cli")
        detail = {"user": user.get_username(), "role": role, "area": area.code,
                  "by": by.get_username() if by is not None else f"os:{getpass.getuser()}"}
        with transaction.atomic():
            if action == "grant":
                held, created = Assignment.objects.get_or_create(user=user, role=role, area=area)
                if not created:
                    self.stdout.write(f"{user.get_username()} already holds {role} over "
                                      f"{area.code}.")
                    return
                audit.record(actor=actor, action="create", object_type="assignment",
                             object_id=held.pk, area=area, detail=detail)
                self.stdout.write(f"{user.get_username()} now holds {role} over {area.code} "
                                  f"and below it.")
            else:
                held = Assignment.objects.filter(user=user, role=role, area=area).first()
                if held is None:
                    raise CommandError(f"{user.get_username()} holds no {role} over "
                                       f"{area.code}.")
                pk = held.pk
                held.delete()
                audit.record(actor=actor, action="delete", object_type="assignment",
                             object_id=pk, area=area, detail=detail)
                self.stdout.write(f"{user.get_username()} no longer holds {role} over "
                                  f"{area.code}.")

    def _user(self, name: str):
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise CommandError(f"No user named {name!r}.")
        return user

    def _list(self, name: str) -> None:
        rows = Assignment.objects.select_related("user", "area").order_by(
            "user__username", "area__path", "role")
        if name:
            rows = rows.filter(user=self._user(name))
        found = False
        for held in rows:
            found = True
            self.stdout.write(f"{held.user.get_username():<20} {held.role:<12} {held.area.code}")
        if not found:
            self.stdout.write("No roles held." if not name else f"{name} holds no role.")
