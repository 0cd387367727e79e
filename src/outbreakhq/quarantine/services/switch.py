"""A change of protocol preset from a date (the 9th edition to the twenty measures, November
2022): stays running on that date follow the new rules from then on. Their day numbers stay,
their last day and test days become the new preset's, results already recorded keep counting;
who is complete and clear under the new rules on that date is released that day. The preview
lists exactly that before anything is written.

Whether running stays follow the switch at all is the new preset's rule
(`quarantine.running_stays_follow_switch`): when it says no, the preview shows each stay
finishing under the rules it began with, and applying the switch changes no stay.

Moving running stays to other rules is a commander's decision: previewing and applying it take
Can.OVERRIDE_RULES (SWITCH_CAPABILITY) over the stays' areas, on the page, the API and the
command line alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.quarantine import rules
from outbreakhq.quarantine.models import Stay, StayStatus
from outbreakhq.quarantine.services.access import rule_of
from outbreakhq.quarantine.services.stays import refuse, today

SWITCH_CAPABILITY = Can.OVERRIDE_RULES


@dataclass(frozen=True)
class SwitchRow:
    stay: Stay
    outcome: rules.Switch


def _preset(name: str) -> protocols.Protocol:
    current = protocols.current()
    return current if current.meta.name == name else protocols.load(name)


def switch_preview(*, actor: Actor, to: str, on: date, audited: bool = True
                   ) -> list[SwitchRow]:
    """Every placed stay in the actor's scope that started by `on` under another preset, with
    what the new preset does to it. The page, the API and the command line show these people:
    one audit event names them (not when the apply reads them, which records each change)."""
    require_role(actor, SWITCH_CAPABILITY, what="stay")
    try:
        preset = _preset(to)
    except protocols.ProtocolError as exc:
        refuse(_("No switch."), "to", str(exc))
    stays = (Stay.objects.visible_to(actor, SWITCH_CAPABILITY)
             .filter(status=StayStatus.PLACED, start__lte=on).exclude(protocol=to)
             .select_related("person", "site__area").prefetch_related("tests").order_by("pk"))
    follow = preset.quarantine.running_stays_follow_switch
    rows = []
    for stay in stays:
        results = {t.day: t.result for t in stay.tests.all()}
        rows.append(SwitchRow(stay, rules.switch(rule_of(stay), preset.rule_for(stay.kind),
                                                 stay.start, results, on, recompute=follow)))
    if audited:
        audit.record_shown(actor=actor, object_type="stay", records=[r.stay.pk for r in rows],
                           people=[(r.stay.person_id, r.stay.tenant_id) for r in rows],
                           places=[r.stay.site.area.path for r in rows],
                           detail={"list": "preset switch", "to": to, "on": on.isoformat()})
    return rows


def apply_switch(*, actor: Actor, to: str, on: date) -> tuple[int, int]:
    """Recompute every running stay of the preview; (stays recomputed, people released)."""
    if on > today():
        refuse(_("No switch."), "on", _("%(on)s is in the future: preview it, apply it on the "
                                        "day") % {"on": on})
    recomputed = released = 0
    if not _preset(to).quarantine.running_stays_follow_switch:
        require_role(actor, SWITCH_CAPABILITY, what="stay")
        return recomputed, released  # running stays finish under the rules they began with
    preset = _preset(to)
    with unit_of_work(actor):
        for row in switch_preview(actor=actor, to=to, on=on, audited=False):
            stay, outcome = row.stay, row.outcome
            new = preset.rule_for(stay.kind)
            stay.protocol = to
            if rules.has_stay(new):
                stay.quarantine_end = rules.quarantine_end(new, stay.start)
                stay.planned_end = outcome.new_end
            else:
                stay.quarantine_end = stay.planned_end = max(on, stay.start)
            fields = ["protocol", "quarantine_end", "planned_end"]
            if outcome.released_today:
                stay.status, stay.ended_on = StayStatus.RELEASED, max(on, stay.start)
                fields += ["status", "ended_on"]
                released += 1
            Stay.objects.filter(pk=stay.pk).update(**{f: getattr(stay, f) for f in fields})
            audit.record(actor=actor, action="change", object_type="stay", object_id=stay.pk,
                         person=stay.person, area=stay.area,
                         detail={"protocol_switch": to, "on": on.isoformat(),
                                 "released": outcome.released_today})
            recomputed += 1
    return recomputed, released


