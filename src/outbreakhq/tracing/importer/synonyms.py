"""The words line lists use for tracing's coded values (classification, detection route,
severity, outcome, category, type of contact), in Chinese and English; matched after
interop.values.squash, so "Close contact", "close_contact" and "CLOSE-CONTACT" are one word."""

from __future__ import annotations

from outbreakhq.interop.values import labels, person_synonyms, table
from outbreakhq.tracing.models import (
    Classification,
    ContactCategory,
    ContactType,
    DetectionRoute,
    Outcome,
    Severity,
)

# Each stored value also accepts its own code and its English label (added by `table`).
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
    Severity.UNKNOWN: ("不明", "未知", "unknown"),
}
OUTCOME = {
    Outcome.ACTIVE: ("治疗中", "在院", "住院", "隔离治疗", "active", "in treatment"),
    Outcome.RECOVERED: ("治愈", "出院", "痊愈", "治愈出院", "cured", "discharged", "recover"),
    Outcome.DIED: ("死亡", "dead", "deceased", "death", "died"),
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


def synonyms() -> dict[str, dict[str, str]]:
    """Field kind -> {squashed word -> stored value}."""
    return {
        "classification": table(CLASSIFICATION, labels(Classification)),
        "detection_route": table(DETECTION_ROUTE, labels(DetectionRoute)),
        "severity": table(SEVERITY, labels(Severity)),
        "outcome": table(OUTCOME, labels(Outcome)),
        "category": table(CATEGORY, labels(ContactCategory)),
        "contact_type": table(CONTACT_TYPE, labels(ContactType)),
        **person_synonyms(),
    }


def field_choices() -> dict[str, dict[str, str]]:
    """Field key -> its table: the exposure of a link reads the words of a contact's type."""
    tables = synonyms()
    return {**tables, "exposure_type": tables["contact_type"], "most_likely": MOST_LIKELY}


# A links file's most_likely column: yes or no (blank: no).
MOST_LIKELY = dict.fromkeys(("yes", "y", "true", "1", "x", "是"), "yes") | \
    dict.fromkeys(("no", "n", "false", "0", "否"), "no")
