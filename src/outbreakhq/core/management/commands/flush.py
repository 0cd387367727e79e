"""Django's `flush` (empty every table), allowed to empty the append-only audit trail too.
Wiping the whole database is an operator's act outside the application, like dropping it."""

from django.core.management.commands.flush import Command as FlushCommand

from outbreakhq.core.audit import purge_permit


class Command(FlushCommand):
    def handle(self, **options):
        with purge_permit("flush", using=options["database"]):
            return super().handle(**options)
