"""The administrators' retention page: each tree's outbreak state, its purge schedule per kind of
record, declaring over and reopening, and the purge with a dry-run preview first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core import outbreaks, purge, retention
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import FieldError, InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas
from outbreakhq.core.views import require_capability


def _tree(request, code: str) -> Area:
    """The tree named in the URL, once the role is checked: a role without the capability is
    refused before its input is read (tests/core/test_access.py)."""
    require_capability(request, Can.MANAGE_RETENTION)
    tree = Area.objects.roots().filter(code=code).first()
    if tree is None:
        raise NotFound(_("There is no jurisdiction tree with this code."))
    return tree


@login_required
def retention_page(request):
    require_capability(request, Can.MANAGE_RETENTION)
    trees = [a for a in scope_areas(actor_of(request), Can.MANAGE_RETENTION) if a.parent_id is None]
    periods = retention.periods()
    return render(request, "core/retention.html", {
        "schedules": [purge.schedule(tree) for tree in trees],
        "periods": [(kind, periods[kind.name]) for kind in retention.kinds()],
        "today": timezone.localdate(),
    })


@login_required
@require_POST
def declare_over(request, code: str):
    tree = _tree(request, code)
    try:
        day = parse_date(request.POST.get("on", "").strip())
    except ValueError:  # well formed but impossible, e.g. 2026-02-30
        day = None
    try:
        if day is None:
            raise InvalidInput(_("The declaration was not saved."),
                               [FieldError("on", _("is not a date (YYYY-MM-DD)"))])
        outbreaks.declare_outbreak_over(actor=actor_of(request), area=tree, on=day,
                                        note=request.POST.get("note", ""))
        messages.success(request, _("The outbreak in %(area)s is declared over.")
                         % {"area": tree.code})
    except InvalidInput as exc:
        messages.error(request, str(exc))
    return redirect("retention")


@login_required
@require_POST
def reopen(request, code: str):
    tree = _tree(request, code)
    try:
        outbreaks.reopen_outbreak(actor=actor_of(request), area=tree,
                                  reason=request.POST.get("reason", ""))
        messages.success(request, _("The outbreak in %(area)s is reopened; pending purges are "
                                    "cancelled.") % {"area": tree.code})
    except InvalidInput as exc:
        messages.error(request, str(exc))
    return redirect("retention")


@login_required
def purge_tree(request, code: str):
    """GET: what a purge would delete now (a dry run, rolled back). POST: purge."""
    tree = _tree(request, code)
    dry_run = request.method != "POST"
    result = purge.purge_tree(tenant=tree, actor=actor_of(request), dry_run=dry_run)
    if not dry_run:
        if result.total:
            messages.success(request, _("Purged %(n)d records in %(area)s.")
                             % {"n": result.total, "area": tree.code})
        else:
            messages.info(request, _("Nothing was due for purging in %(area)s.")
                          % {"area": tree.code})
        return redirect("retention")
    labels = {k.name: k.label for k in retention.kinds()}
    return render(request, "core/retention_purge.html", {
        "tree": tree, "result": result,
        "counts": [(labels[name], n) for name, n in result.counts.items()],
    })
