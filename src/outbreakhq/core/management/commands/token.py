"""`outbreakhq token create USER NAME [--days N]` / `outbreakhq token revoke USER ID`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core import tokens
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError


class Command(BaseCommand):
    help = "Create or revoke API tokens for machine clients."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print its secret once")
        create.add_argument("username")
        create.add_argument("name", help="which client will use it")
        create.add_argument("--days", type=int, default=None)
        revoke = sub.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("username")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, action: str, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            if action == "create":
                token, secret = tokens.issue_token(actor=Actor.for_command(user),
                                                   name=options["name"],
                                                   days=options["days"])
                self.stdout.write(secret)
                self.stderr.write(f"Token {token.pk} for {username}, expires "
                                  f"{token.expires_at:%Y-%m-%d}. The secret is not shown again.")
            else:
                tokens.revoke_token(actor=Actor.for_command(user), token_id=options["token_id"])
                self.stderr.write("Revoked.")
        except AppError as exc:
            raise CommandError(str(exc)) from None
