"""The area-tree import page on the import pipeline: the file (CSV or XLSX) is checked whole,
"Check" shows what it would change and every wrong row, "Import" commits it all or nothing (by
the task worker when it is large, as every import). The line-list pages are tracing's
(tracing/views/import_export.py) on the same pipeline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.core.views import require_capability
from outbreakhq.interop import uploads
from outbreakhq.interop.jobs import submit_import
from outbreakhq.interop.pipeline import preview_import


@login_required
def area_import(request):
    require_capability(request, Can.MANAGE_AREAS)
    errors = plan = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("Choose a CSV file to import."))
            path = uploads.store_upload(request.user, upload.name, upload.chunks())
            queued = False
            try:
                if "check" in request.POST:
                    plan = preview_import(actor=actor_of(request), kind="areas", path=path,
                                          name=upload.name)
                    if plan.errors:
                        errors = InvalidInput(_(
                            "Nothing can be imported until these rows are corrected in the file "
                            "(or the columns mapped differently):"), plan.errors)
                else:
                    done = submit_import(actor=actor_of(request), kind="areas", path=path,
                                         name=upload.name, mapping=None, area=None)
                    queued = done.queued
                    return _imported(request, done)
            finally:
                if not queued:
                    uploads.forget(path)
        except InvalidInput as exc:
            errors = exc
    return render(request, "core/area_import.html", {"errors": errors, "plan": plan})


def _imported(request, done):
    if done.queued:
        n = len(done.plan.rows)
        messages.info(request, ngettext(
            "The file's %(n)s row is being imported in the background. Reload this page to see "
            "the outcome.", "The file's %(n)s rows are being imported in the background. Reload "
            "this page to see the outcome.", n) % {"n": n})
    else:
        result = done.result
        messages.success(request, _("Imported: %(c)d created, %(u)d updated, %(n)d unchanged.")
                         % {"c": result.created, "u": result.updated, "n": result.unchanged})
    return redirect("areas")
