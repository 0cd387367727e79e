"""Normalising the values of a line list: dates in the shapes people type, and the many words
used for each classification, route, severity, outcome, category and type of contact.

Pure Python, no database: each converter takes the raw cell (a string, or a date or number from a
spreadsheet) and returns the stored value or raises ValueError with a reason for the person who
will fix the file. Synonyms are matched after lower-casing and removing spaces, dashes and
underscores, so "Close contact", "close_contact" and "CLOSE-CONTACT" are one word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

from django.utils.translation import gettext as _

from outbreakhq.tracing.models import (
    Classification,
    ContactCategory,
    ContactType,
    DetectionRoute,
    Outcome,
    Severity,
)

# Each stored value also accepts its own code and its English label (added in _table below).
CLASSIFICATION = {
    Classification.CONFIRMED: ("确诊", "确诊病例", "确诊病人", "confirmed case", "case"),
    Classification.ASYMPTOMATIC: ("无症状", "无症状感染者", "无症状感染", "asymptomatic infection",
                                  "asymptomatic carrier", "asymptomatic case"),
    Classification.SUSPECTED: ("疑似", "疑似病例", "suspected", "suspect", "probable"),
    Classification.DISCARDED: ("排除", "已排除", "排除病例", "discarded", "ruled out",
                               "not a case"),
}
DETECTION_ROUTE = {
    DetectionRoute.COMMUNITY_SCREENING: ("社区筛查", "全员核酸", "全员筛查", "社区核酸",
                                         "community"),
    DetectionRoute.CONTROLLED_SCREENING: ("管控人员筛查", "管控区筛查", "封控区筛查", "管控筛查",
                                          "controlled population"),
    DetectionRoute.QUARANTINE_TESTING: ("隔离检测", "集中隔离", "隔离点", "闭环检测", "闭环管理",
                                        "居家隔离", "quarantine", "closed loop"),
    DetectionRoute.CLINIC: ("主动就诊", "发热门诊", "就诊", "门诊", "hospital", "fever clinic"),
    DetectionRoute.CONTACT_TRACING: ("密接追踪", "流调", "流调发现", "追踪", "tracing"),
    DetectionRoute.INBOUND: ("入境", "境外输入", "输入", "外省输入", "imported", "inbound"),
}
SEVERITY = {
    Severity.ASYMPTOMATIC: ("无症状",),
    Severity.MILD: ("轻型", "轻症", "轻度"),
    Severity.MODERATE: ("普通型", "中型", "普通"),
    Severity.SEVERE: ("重型", "重症", "重度"),
    Severity.CRITICAL: ("危重型", "危重", "危重症"),
}
OUTCOME = {
    Outcome.ACTIVE: ("治疗中", "在院", "住院", "隔离治疗", "active", "in treatment"),
    Outcome.RECOVERED: ("治愈", "出院", "痊愈", "治愈出院", "cured", "discharged"),
    Outcome.DIED: ("死亡", "dead", "deceased", "death"),
    Outcome.UNKNOWN: ("不明", "未知", "unknown"),
}
CATEGORY = {
    ContactCategory.CLOSE: ("密接", "密切接触者", "密切接触", "close", "close contact"),
    ContactCategory.SECONDARY: ("次密接", "密接的密接", "次密切接触者", "secondary",
                                "contact of a close contact", "secondary contact"),
}
CONTACT_TYPE = {
    ContactType.HOUSEHOLD: ("家庭", "家人", "同住", "共同居住", "home", "family"),
    ContactType.WORK: ("工作", "同事", "学校", "同学", "工作单位", "school", "workplace", "work"),
    ContactType.SAME_BUILDING: ("同楼", "同楼栋", "同单元", "邻居", "building", "neighbour"),
    ContactType.TRANSPORT: ("交通", "同乘", "交通工具", "同车", "同航班", "vehicle", "flight"),
    ContactType.HEALTH_CARE: ("医疗", "就医", "医护", "医疗机构", "hospital", "healthcare"),
    ContactType.OTHER: ("其他", "其它", "other"),
}
SEX = {"M": ("男", "男性", "male", "man", "m"), "F": ("女", "女性", "female", "woman", "f"),
       "U": ("未知", "不详", "unknown", "u", "")}
ID_TYPE = {
    "cn_resident": ("身份证", "居民身份证", "身份证号", "resident id", "id card", "cn"),
    "passport": ("护照", "passport"),
    "hk_macau": ("港澳居民来往内地通行证", "回乡证", "港澳通行证"),
    "taiwan": ("台湾居民来往大陆通行证", "台胞证"),
    "foreign_resident": ("外国人永久居留身份证", "外国人永久居留证", "永居证"),
    "other": ("其他", "其他证件", "other"),
    "none": ("无", "无证件", "none", "no document"),
}

_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_SEP_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def squash(text: str) -> str:
    """The form synonyms are compared in: NFKC (full-width to ASCII), lower case, no spaces,
    dashes or underscores."""
    return re.sub(r"[\s\-_]+", "", unicodedata.normalize("NFKC", text)).lower()


def _table(choices: Mapping, labels: Mapping[str, str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, words in choices.items():
        for word in (str(value), str(labels.get(value, "")), *words):
            if word or value == "U":
                table.setdefault(squash(word), str(value))
    return table


def _labels(choices) -> dict[str, str]:
    # English labels, whatever the active language: files are written in English or Chinese,
    # and the Chinese words are in the tables above.
    from django.utils import translation

    with translation.override("en"):
        return {str(value): str(label) for value, label in choices.choices}


def synonyms() -> dict[str, dict[str, str]]:
    """Field kind -> {squashed word -> stored value}."""
    return {
        "classification": _table(CLASSIFICATION, _labels(Classification)),
        "detection_route": _table(DETECTION_ROUTE, _labels(DetectionRoute)),
        "severity": _table(SEVERITY, _labels(Severity)),
        "outcome": _table(OUTCOME, _labels(Outcome)),
        "category": _table(CATEGORY, _labels(ContactCategory)),
        "contact_type": _table(CONTACT_TYPE, _labels(ContactType)),
        "sex": _table(SEX, {}),
        "id_type": _table(ID_TYPE, {}),
    }


def to_choice(kind: str, raw: object, table: Mapping[str, str]) -> str:
    text = text_of(raw)
    value = table.get(squash(text))
    if value is None:
        known = sorted(set(table.values()))
        raise ValueError(_("%(value)r is not a known %(kind)s (use one of %(known)s)")
                         % {"value": text, "kind": kind.replace("_", " "),
                            "known": ", ".join(known)})
    return value


def to_date(raw: object) -> date | None:
    """ISO dates, 2022/8/15, 2022.8.15, 2022年8月15日, 20220815, or a spreadsheet date."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = unicodedata.normalize("NFKC", text_of(raw))
    match = _CN_DATE.match(text) or _SEP_DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        raise ValueError(_("%(value)r is not a date (write 2022-08-15, 2022/8/15 or "
                           "2022年8月15日)") % {"value": text})
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(_("%(value)r is not a day of the calendar") % {"value": text}) from None


def formula_like(text: str) -> bool:
    """Would a spreadsheet run this text as a formula? (=, @, or + and - not starting a
    number: "+8613800000000" stays a phone number.)"""
    if not text:
        return False
    if text[0] in "=@":
        return True
    return text[0] in "+-" and not re.fullmatch(r"[+-][\d .]*", text)


def text_of(raw: object) -> str:
    """A cell as text. Whole numbers lose their '.0' (spreadsheets store 42 as 42.0); the
    apostrophe our export puts before formula-like text is taken off again."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    return text[1:] if text.startswith("'") and formula_like(text[1:]) else text


def document_number(raw: object) -> str:
    """Identity numbers must arrive as text: a spreadsheet that stored an 18-digit number as a
    number has already rounded its last digits, and importing it would register a wrong person."""
    if isinstance(raw, float) or (isinstance(raw, int) and abs(raw) >= 10**15):
        raise ValueError(_("is stored as a number, which loses digits; format the column as "
                           "text and type the numbers again"))
    return text_of(raw)
