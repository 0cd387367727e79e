"""Pages for duplicate persons: the list of candidate pairs, the side-by-side comparison, the
confirmation and the merge itself (core/dedup.py finds, core/merge.py merges)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core import dedup, merge, services
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Person
from outbreakhq.core.roles import Can
from outbreakhq.core.views import require_capability

# Two valid identity numbers of the same type that differ cost a pair 40 points: below 50 are
# mostly namesakes born the same day, shown only on request.
SCORE_FLOORS = (50, 80, 0)


@login_required
def duplicates(request):
    """Candidate pairs in the current scope, one keyset page at a time."""
    require_capability(request, Can.MERGE_PERSON)
    after = request.GET.get("after", "")
    raw = request.GET.get("min", "")
    min_score = int(raw) if raw.isdigit() and int(raw) in SCORE_FLOORS else SCORE_FLOORS[0]
    page = dedup.find_duplicates(actor=actor_of(request), within=request.scope_area, after=after,
                                 min_score=min_score)
    return render(request, "core/duplicates.html", {
        "page": page, "after": after, "min_score": min_score, "floors": SCORE_FLOORS,
        "rows": [(c, page.areas.get(c.left["home_area_id"]),
                  page.areas.get(c.right["home_area_id"])) for c in page.candidates],
    })


@dataclass
class FieldRow:
    key: str
    label: str
    left: str
    right: str
    differs: bool
    default: str  # "keep" or "merge": take the other side's value when ours is empty


def _display(person: Person, key: str) -> str:
    if key == "sex":
        return str(person.get_sex_display())
    if key == "document":
        if not person.id_number:
            return ""
        return f"{person.get_id_type_display()} {person.id_number}"
    if key == "home_area":
        area = person.home_area
        return f"{area.display_name(get_language())} ({area.code})"
    value = getattr(person, key)
    return "" if value is None else str(value)


def field_rows(keep: Person, merged: Person) -> list[FieldRow]:
    rows = []
    for key, columns in merge.MERGE_FIELDS.items():
        mine = tuple(getattr(keep, c) for c in columns)
        theirs = tuple(getattr(merged, c) for c in columns)
        left, right = _display(keep, key), _display(merged, key)
        default = "merge" if not left and right else "keep"
        rows.append(FieldRow(key, str(merge.FIELD_LABELS[key]), left, right, mine != theirs,
                             default))
    return rows


def _references(person: Person) -> str:
    parts = [_("%(count)d %(what)s") % {"count": n, "what": what}
             for what, n in merge.count_references(person)]
    return ", ".join(parts) or _("none")


def _pair(request, keep_id: int, merge_id: int, *, audited: bool) -> tuple[Person, Person]:
    # Opening the comparison shows both records: two `view` events. The confirmation and the
    # merge re-read the records the user has just opened, without recording a new view.
    fetch = services.view_person if audited else services.access_person
    return tuple(fetch(actor=actor_of(request), person_id=pk,
                       capability=Can.MERGE_PERSON) for pk in (keep_id, merge_id))


def _choices(request) -> dict[str, str]:
    return {key: request.POST.get(f"choice_{key}", "keep") for key in merge.MERGE_FIELDS}


def _context(keep: Person, merged: Person) -> dict:
    return {
        "keep": keep, "merged": merged, "rows": field_rows(keep, merged),
        "keep_groups": list(keep.key_groups.all()), "merged_groups": list(merged.key_groups.all()),
        "keep_refs": _references(keep), "merged_refs": _references(merged),
    }


@login_required
def compare(request, keep: int, merged: int):
    """GET: the two records side by side. POST: the confirmation of the chosen fields."""
    if keep == merged:
        raise InvalidInput(_("A record cannot be merged with itself."))
    keep_p, merged_p = _pair(request, keep, merged, audited=request.method == "GET")
    context = _context(keep_p, merged_p)
    if request.method != "POST":
        return render(request, "core/merge.html", context)
    choices = _choices(request)
    context["result"] = [(row, choices[row.key]) for row in context["rows"]]
    context["choices"] = choices
    return render(request, "core/merge_confirm.html", context)


@login_required
@require_POST
def merge_view(request, keep: int, merged: int):
    """Merge, then land on the kept record."""
    try:
        result = merge.merge_people(actor=actor_of(request), keep_id=keep, merge_id=merged,
                                    choices=_choices(request))
    except InvalidInput as exc:
        keep_p, merged_p = _pair(request, keep, merged, audited=False)
        return render(request, "core/merge.html", {**_context(keep_p, merged_p), "error": exc},
                      status=400)
    messages.success(request, _("Merged record %(merged)d into this one. Its full record is "
                                "kept in merge log %(log)d.")
                     % {"merged": merged, "log": result.log.pk})
    return redirect("person", pk=result.person.pk)


@login_required
@require_POST
def dismiss(request, keep: int, merged: int):
    merge.dismiss_pair(actor=actor_of(request), person_ids=(keep, merged))
    messages.success(request, _("Records %(a)d and %(b)d will no longer be proposed as the "
                                "same person.") % {"a": min(keep, merged), "b": max(keep, merged)})
    return redirect("duplicates")
