"""Use cases of the command centre: one transaction each, keyword-only `actor=`."""

from outbreakhq.command.services.directives import (  # noqa: F401
    issue_directive,
    post_update,
    save_commentary,
)
