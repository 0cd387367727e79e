"""`outbreakhq outbreak list` / `over CODE --on DATE --user NAME` / `reopen CODE --user NAME`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from outbreakhq.core import outbreaks, purge
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area


class Command(BaseCommand):
    help = "Declare the outbreak of a jurisdiction tree over (starts the retention clock), or " \
           "reopen it (cancels pending purges)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="each tree's state and purge schedule")
        over = sub.add_parser("over", help="declare a tree's outbreak over")
        over.add_argument("code", help="code of the tree's root area")
        over.add_argument("--on", default="", help="date declared over, YYYY-MM-DD (today)")
        over.add_argument("--note", default="")
        over.add_argument("--user", required=True, help="an administrator of the whole tree")
        reopen = sub.add_parser("reopen", help="reopen a tree's outbreak")
        reopen.add_argument("code")
        reopen.add_argument("--reason", default="")
        reopen.add_argument("--user", required=True)

    def handle(self, *args, action: str, **options):
        if action == "list":
            return self._list()
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        tree = Area.objects.filter(code=options["code"]).first()
        if tree is None:
            raise CommandError(f"No area with code {options['code']!r}.")
        try:
            if action == "over":
                on = parse_date(options["on"]) if options["on"] else timezone.localdate()
                if on is None:
                    raise CommandError(f"--on {options['on']!r}: expected YYYY-MM-DD.")
                outbreaks.declare_outbreak_over(actor=Actor.for_command(user), area=tree, on=on,
                                                note=options["note"])
                self.stderr.write(f"{tree.code}: declared over on {on.isoformat()}.")
            else:
                outbreaks.reopen_outbreak(actor=Actor.for_command(user), area=tree,
                                          reason=options["reason"])
                self.stderr.write(f"{tree.code}: reopened; pending purges cancelled.")
        except (AppError, ValueError) as exc:
            raise CommandError(str(exc)) from None

    def _list(self) -> None:
        for tree in Area.objects.roots():
            plan = purge.schedule(tree)
            if plan.declaration is None:
                self.stdout.write(f"{tree.code}\tactive")
                continue
            self.stdout.write(f"{tree.code}\tdeclared over on {plan.declaration.over_on} by "
                              f"{plan.declaration.declared_by_username}")
            for row in plan.kinds:
                self.stdout.write(f"\t{row.kind.name}\t{row.days} days\tpurge on "
                                  f"{row.due_on}\t{row.rows} records")
