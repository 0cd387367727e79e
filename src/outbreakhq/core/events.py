"""Domain events: what happened, in the past tense, carrying the actor who did it.

A service publishes an event; audit and other apps subscribe to it (core/hooks.py lists
them), so that an app hands work over to another without importing it: tracing publishes
`ContactHandedToQuarantine`, and a quarantine app subscribes to it to open the stay.

Subscribers run at once, in the publisher's transaction: the change, its audit event and what
other apps do with it commit or roll back together. An event carries core rows (Person, Area)
and record numbers, never another app's model, so that core declares every event without
importing any app.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, Person

_SUBSCRIBERS: dict[type, list[Callable]] = defaultdict(list)


def subscribe(*kinds: type[Event]):
    """Decorate a function `(event) -> None` to run on every event of these kinds (or of a
    subclass). Call it in an AppConfig.ready(), as for every extension point."""
    def decorate(handler: Callable) -> Callable:
        for kind in kinds:
            if handler not in _SUBSCRIBERS[kind]:
                _SUBSCRIBERS[kind].append(handler)
        return handler
    return decorate


def unsubscribe(kind: type[Event], handler: Callable) -> None:
    if handler in _SUBSCRIBERS.get(kind, ()):
        _SUBSCRIBERS[kind].remove(handler)


def publish(event: Event) -> None:
    for kind in type(event).__mro__:
        for handler in _SUBSCRIBERS.get(kind, ()):
            handler(event)


@dataclass(frozen=True, kw_only=True)
class Event:
    actor: Actor


@dataclass(frozen=True, kw_only=True)
class PeopleMerged(Event):
    """Record `merged_id` was merged into `keep`: the references listed in `moved` ({model
    label: [ids]}) now point at `keep`; `log` is the PersonMerge. Published inside the merge's
    transaction, before the merged record is deleted: a subscriber that raises (InvalidInput,
    "the contact would be its own source case") refuses the whole merge."""

    keep: Person
    merged_id: int
    moved: dict
    log: object
    # The merged record (not yet deleted) and the kept record's fields that changed: audit
    # writes a `change` of the kept record and a `delete` of the merged one.
    merged: Person
    changed: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PairDismissed(Event):
    """Two records (`low` < `high`, of one tree) were marked as different people, so the pair
    is not proposed as a duplicate again; `person` is record `low`."""

    low: int
    high: int
    person: Person


@dataclass(frozen=True, kw_only=True)
class ListExported(Event):
    """A line list was exported: `rows` (a queryset with a `person` field) are the records
    exported, `kind` what they are, `area` the one area they came from (None: several),
    `detail` the format, filters, row count and scope."""

    kind: str
    rows: object
    area: Area | None
    detail: dict


@dataclass(frozen=True, kw_only=True)
class RecordEvent(Event):
    """Something happened to one record of a person: what audit needs to place it."""

    record_id: int
    person: Person
    area: Area
    detail: dict = field(default_factory=dict)
    # Other people the same page showed, as (person id, tenant id): audit names them too.
    shown: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, kw_only=True)
class PersonRegistered(RecordEvent):
    """A person was registered (`record_id` is the person's number)."""


@dataclass(frozen=True, kw_only=True)
class PersonChanged(RecordEvent):
    """A person's record changed; `detail` names the fields, never their values."""


@dataclass(frozen=True, kw_only=True)
class PersonViewed(RecordEvent):
    """A person's record was shown (with `shown`, the other people the page showed)."""


@dataclass(frozen=True, kw_only=True)
class CaseViewed(RecordEvent):
    """A case was shown, with its contacts, source and infected people (`shown`)."""


@dataclass(frozen=True, kw_only=True)
class ContactViewed(RecordEvent):
    """A contact was shown, with its source and its own contacts (`shown`)."""


@dataclass(frozen=True, kw_only=True)
class CaseOpened(RecordEvent):
    """A case was opened (or proposed), or a contact became one."""


@dataclass(frozen=True, kw_only=True)
class CaseChanged(RecordEvent):
    """A case's fields, its source or its investigation changed; `detail` names the fields."""


@dataclass(frozen=True, kw_only=True)
class CaseMoved(CaseChanged):
    """A case now belongs to another area (`area`) than before (`from_area`): counts kept per
    area (the command centre's daily figures) move with it. Audited as a change of the case."""

    from_area: Area


@dataclass(frozen=True, kw_only=True)
class ContactAdded(RecordEvent):
    """A contact of a case (or of another contact) was recorded."""


@dataclass(frozen=True, kw_only=True)
class ContactChanged(RecordEvent):
    """A contact's status or fields changed; `detail` names them."""


@dataclass(frozen=True, kw_only=True)
class ContactHandedToQuarantine(ContactChanged):
    """A contact under follow-up went to quarantine: the quarantine module takes it over
    (`record_id` is the contact's number, `person` who goes, `area` where they live)."""

    followup_end: date


@dataclass(frozen=True, kw_only=True)
class ContactLost(ContactChanged):
    """A followed contact can no longer be reached."""


@dataclass(frozen=True, kw_only=True)
class FollowUpCompleted(ContactChanged):
    """A contact's follow-up window ended without a case."""


@dataclass(frozen=True, kw_only=True)
class ContactConverted(ContactChanged):
    """A contact tested positive and became case `case_id`."""

    case_id: int


@dataclass(frozen=True, kw_only=True)
class FollowUpRecorded(RecordEvent):
    """A day's check of a contact was recorded (`created`) or corrected."""

    created: bool


class ImportedRecord(NamedTuple):
    """One record of an import batch: its number, its person, its area (None: the person's home
    area) and what audit notes about it (never personal values). A named tuple, not a frozen
    dataclass: an import makes one per record and person, and a frozen dataclass's __init__
    sets each field through object.__setattr__ (issue 14)."""

    record_id: int
    person: Person
    area: Area | None = None
    detail: dict | None = None


@dataclass(frozen=True, kw_only=True)
class RecordsImported(Event):
    """A batch of an import was written, set-based (core/bulk.py): one entry per new record.
    Published once per table and batch, inside the import's transaction, so that a subscriber
    sees imported records as it sees those the services create (a raise rolls the batch back)."""

    records: tuple[ImportedRecord, ...]


@dataclass(frozen=True, kw_only=True)
class PeopleImported(RecordsImported):
    """New people registered by an import (`record_id`: the person's number)."""


@dataclass(frozen=True, kw_only=True)
class CasesImported(RecordsImported):
    """New cases created by an import."""


@dataclass(frozen=True, kw_only=True)
class ContactsImported(RecordsImported):
    """New contacts created by an import."""


@dataclass(frozen=True, kw_only=True)
class PositiveResultRecorded(Event):
    """An individual positive test of a person: a screening retest, a quarantine stay's test
    day, a key place's staff test. Published inside a PositiveResultsRecorded (one or a
    batch), which tracing subscribes to and proposes cases to the tracers from (a suspected
    case, or the person's open case is left alone); zones and alerts subscribe too.
    `detection_route` is one of tracing's DetectionRoute codes; `found_under_control` is true
    when the person was in quarantine or a sealed area; `reference` names the tube, stay or
    sample (never personal data)."""

    person_id: int
    area_path: str
    sampled_on: date
    detection_route: str
    found_under_control: bool
    reference: str


@dataclass(frozen=True, kw_only=True)
class PositiveResultsRecorded(Event):
    """Individual positives recorded together (a lab's batch of retests, or one quarantine
    test), published once so that subscribers answer the batch set-based (the
    4,000,000-person city's 2,000 proposals took a minute one by one)."""

    results: tuple[PositiveResultRecorded, ...]


@dataclass(frozen=True, kw_only=True)
class CasesProposed(CasesImported):
    """Suspected cases proposed from a batch of positive results, written set-based: counted,
    audited and reviewed by the subscribers of imported cases, as an import's cases are."""


@dataclass(frozen=True, kw_only=True)
class ScreeningRoundClosed(Event):
    """An all-resident screening round of one area ended on `day`: zones' clocks read it
    (`all_negative` false: a positive round, a new infection that day). `complete` is false
    when not every resident was sampled."""

    area_path: str
    day: date
    complete: bool
    all_negative: bool
    # The round's number and its first-sample tubes resulted and positive (retests left out):
    # zones' rising-positivity warning reads them (None: the publisher does not count).
    round_id: int | None = None
    tubes: int | None = None
    positive_tubes: int | None = None
