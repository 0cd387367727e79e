"""Whether two person records may be one person, why, and how strongly.

No database and no request: records are plain dicts, so the rules are tested as sentences
(tests/core/test_dedup.py). core/dedup.py finds the records to compare; this module compares
them. Django is imported only for the translatable reason labels."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import combinations

from django.utils.translation import gettext_lazy as _
from rapidfuzz.distance import Indel

# A Latin name carries little per letter: one typo in "Wang Fang" leaves a ratio of ~0.9. A
# Chinese character carries a syllable, so one wrong homophone in a three-character name
# already drops the ratio to 0.67; the threshold for all-CJK names is lower for that reason.
LATIN_THRESHOLD = 0.8
CJK_THRESHOLD = 0.65

REASONS = {
    "same_document": _("same identity document"),
    "same_birth_date": _("same date of birth"),
    "same_phone": _("same phone"),
    "same_name": _("same name"),
    "similar_name": _("similar name"),
    "same_home_area": _("same home area"),
    "different_name": _("names differ"),
    "different_sex": _("different sex"),
    "different_birth_date": _("different dates of birth"),
    "different_document": _("different identity numbers"),
}
AGAINST = frozenset({"different_name", "different_sex", "different_birth_date",
                     "different_document"})


def normalise_name(name: str) -> str:
    """Case-folded letters and digits only: spaces, punctuation and accents do not count."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def _is_cjk(text: str) -> bool:
    return bool(text) and all(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def _name_keys(row: dict) -> tuple[str, str, bool]:
    """(normalised name, its words sorted, all CJK), computed once per record and kept on the
    row: a block compares each record with every other one."""
    keys = row.get("_name_keys")
    if keys is None:
        name = row["name"] or ""
        norm = normalise_name(name)
        words = "".join(sorted(normalise_name(w) for w in name.split()))
        keys = row["_name_keys"] = (norm, words, _is_cjk(norm))
    return keys


def _similarity(ka: tuple[str, str, bool], kb: tuple[str, str, bool]) -> float:
    # Indel similarity (what difflib's ratio approximates), from rapidfuzz: a block of n
    # records costs n²/2 comparisons, and difflib takes ~9 µs each against rapidfuzz's 0.2 µs.
    (na, sa, _), (nb, sb, _) = ka, kb
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    best = Indel.normalized_similarity(na, nb)
    # Romanised Chinese names come in both orders ("Wang Fang" / "Fang Wang").
    return max(best, 0.95) if sa == sb else best


def name_similarity(a: str, b: str) -> float:
    """0..1: 1 for names equal once case, spaces, punctuation and accents are ignored."""
    return _similarity(_name_keys({"name": a}), _name_keys({"name": b}))


def similar_enough(a: str, b: str, similarity: float) -> bool:
    return _similar(_name_keys({"name": a}), _name_keys({"name": b}), similarity)


def _similar(ka: tuple[str, str, bool], kb: tuple[str, str, bool], similarity: float) -> bool:
    threshold = CJK_THRESHOLD if ka[2] and kb[2] else LATIN_THRESHOLD
    return similarity >= threshold


@dataclass(frozen=True)
class Candidate:
    """Two records that may be one person. `left` is the older record (lower id)."""

    left: dict
    right: dict
    kind: str
    score: int
    reasons: tuple[str, ...]

    @property
    def key(self) -> tuple[int, int]:
        return self.left["id"], self.right["id"]

    @property
    def certain(self) -> bool:
        return self.kind == "document"

    def reason_labels(self) -> list[tuple[str, str, bool]]:
        """(code, translated label, counts against) for each reason, strongest first."""
        return [(r, str(REASONS[r]), r in AGAINST) for r in self.reasons]


def _same(a, b) -> bool:
    return a not in (None, "") and a == b


def _differ(a, b) -> bool:
    return a not in (None, "") and b not in (None, "") and a != b


def assess(a: dict, b: dict) -> Candidate | None:
    """Whether two records (dicts of FIELDS) may be one person, why, and how strongly."""
    if a["tenant_id"] != b["tenant_id"]:
        return None
    left, right = (a, b) if a["id"] < b["id"] else (b, a)
    ka, kb = _name_keys(a), _name_keys(b)
    similarity = _similarity(ka, kb)
    similar = _similar(ka, kb, similarity)
    same_doc = _same(a["id_number"], b["id_number"]) and a["id_type"] == b["id_type"]
    same_birth = _same(a["birth_date"], b["birth_date"])
    same_phone = _same(a["phone"], b["phone"])
    if same_doc:
        kind = "document"
    elif same_birth and (similar or same_phone):
        # Same birth date and same phone: one person, whatever the name says ("王芳" typed
        # "王方" is only 50% alike) - or twins, whom a different sex or document marks.
        kind = "birth"
    elif same_phone and similar:
        kind = "phone"
    else:
        return None
    reasons = [r for r, holds in (
        ("same_document", same_doc), ("same_birth_date", same_birth),
        ("same_phone", same_phone), ("same_name", similarity == 1.0),
        ("similar_name", similar and similarity < 1.0),
        ("same_home_area", a["home_area_id"] == b["home_area_id"]),
        ("different_name", not similar),
        ("different_sex", _differ(a["sex"].replace("U", ""), b["sex"].replace("U", ""))),
        ("different_birth_date", _differ(a["birth_date"], b["birth_date"])),
        ("different_document", a["id_type"] == b["id_type"]
         and _differ(a["id_number"], b["id_number"])),
    ) if holds]
    return Candidate(left, right, kind, _score(similarity, reasons), tuple(reasons))


def _score(similarity: float, reasons: list[str]) -> int:
    """100 for the same document and name; otherwise up to 99, lowered by counter-evidence
    (twins share a birth date and a surname, but not a sex or an identity number)."""
    if "same_document" in reasons:
        base = 100 if "different_name" not in reasons else 90
    else:
        base = round(55 * similarity) + 25 * ("same_birth_date" in reasons) \
            + 20 * ("same_phone" in reasons) + 4 * ("same_home_area" in reasons)
        base = min(base, 99)
    penalty = {"different_sex": 15, "different_birth_date": 20, "different_document": 40}
    return max(1, base - sum(p for r, p in penalty.items() if r in reasons))


def pairs_in_block(kind: str, members: list[dict],
                   dismissed: set[tuple[int, int]]) -> list[Candidate]:
    """The candidates a block proposes: only those whose first block is this one, so a pair
    found by document and by birth date is listed once."""
    found = []
    rows = sorted(members, key=lambda m: m["id"])
    keys = [_name_keys(row) for row in rows]
    for i, j in combinations(range(len(rows)), 2):
        a, b = rows[i], rows[j]
        if (a["id"], b["id"]) in dismissed:
            continue
        # Birth-date and phone blocks propose similar names (or, for a birth date, the same
        # phone too): most pairs of a block stop here, before the full assessment.
        if kind != "document" and not _similar(keys[i], keys[j], _similarity(keys[i], keys[j])) \
                and not (kind == "birth" and _same(a["phone"], b["phone"])):
            continue
        candidate = assess(a, b)
        if candidate is not None and candidate.kind == kind:
            found.append(candidate)
    return found
