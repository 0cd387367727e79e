"""The columns tracing's files may fill: a case, a contact, a transmission link (the person's
own columns are interop's PERSON_FIELDS). The headers are the usual ones of Chinese line lists,
matched after interop.values.squash."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from outbreakhq.interop.fields import PERSON_FIELDS, Field

# Headers of published line lists and transmission lists (issue 14), after squash(): what
# epidemiologists share (linelist, outbreaks, epicontacts, Go.Data exports) names the same
# things in a handful of ways.

_CASE = (
    Field("external_id", gettext_lazy("Case id"), True,
          ("病例编号", "编号", "case id", "case no", "external id", "id", "case_id", "caseid",
           "case number", "patient id", "uid")),
    Field("classification", gettext_lazy("Classification"), True,
          ("分类", "病例分类", "诊断类型", "case classification", "case_def", "case status")),
    Field("onset_date", gettext_lazy("Onset date"), False,
          ("发病日期", "onset", "date_of_onset", "dt_onset", "onset date", "date onset",
           "symptom onset", "date_onset")),
    Field("sampling_date", gettext_lazy("Sampling date"), False,
          ("采样日期", "sampled", "date_of_sample", "dt_sample", "sample date")),
    Field("report_date", gettext_lazy("Report date"), True,
          ("报告日期", "reported", "报告时间", "date_of_report", "dt_report", "report date",
           "date_of_notification", "date_confirmation", "date of confirmation")),
    Field("detection_route", gettext_lazy("Detection route"), True,
          ("发现途径", "发现方式", "found by")),
    Field("severity", gettext_lazy("Severity"), False, ("临床分型", "病情", "严重程度")),
    Field("outcome", gettext_lazy("Outcome"), False, ("转归", "outcome_status")),
    Field("outcome_date", gettext_lazy("Outcome date"), False,
          ("转归日期", "date_of_outcome", "dt_outcome", "date_outcome")),
    # Several ids ("A; B; C"): the possible infectors, the first the most likely.
    Field("source_case", gettext_lazy("Source case id"), False,
          ("传染源编号", "感染来源编号", "关联病例编号", "infector", "infector id", "source case",
           "infected by", "infector_case_id")),
    # The other possible infectors (our export's column): the source case stays the most likely.
    Field("other_candidate_sources", gettext_lazy("Other possible infectors"), False,
          ("other_candidate_sources", "other candidate sources", "other infectors",
           "other possible infectors", "其他可能传染源编号")),
    Field("exposure_type", gettext_lazy("Type of exposure"), False,
          ("暴露类型", "接触方式", "exposure", "exposure type", "context")),
    Field("exposure_date", gettext_lazy("Exposure date"), False,
          ("暴露日期", "接触日期", "date_of_infection", "dt_infection", "date_infection",
           "date of exposure")),
)
_CONTACT = (
    Field("external_id", gettext_lazy("Contact id"), True,
          ("密接编号", "编号", "contact id", "external id")),
    Field("source_case", gettext_lazy("Source case id"), False,
          ("关联病例编号", "病例编号", "传染源编号", "case id")),
    Field("source_contact", gettext_lazy("Source contact id"), False, ("关联密接编号",)),
    Field("category", gettext_lazy("Category"), False, ("类别", "人员类别", "接触者类别")),
    Field("contact_type", gettext_lazy("Type of contact"), True, ("接触方式", "接触类型")),
    Field("last_exposure", gettext_lazy("Last exposure"), True,
          ("末次接触日期", "最后接触日期", "末次暴露日期", "last contact")),
)
_LINK = (
    Field("infector", gettext_lazy("Infector case id"), True,
          ("传染源编号", "感染者编号", "source case", "source", "from", "infector id", "from_id",
           "source_id", "source_case_id")),
    Field("infectee", gettext_lazy("Infectee case id"), True,
          ("被感染者编号", "病例编号", "case", "target", "to", "infectee id", "to_id",
           "target_id", "case_id")),
    Field("exposure_type", gettext_lazy("Type of exposure"), False,
          ("暴露类型", "接触方式", "exposure", "context", "exposure type")),
    Field("date", gettext_lazy("Exposure date"), False,
          ("暴露日期", "接触日期", "date", "date_of_exposure", "date_of_infection")),
    # yes/no: which of a case's several possible infectors is the most likely (default: the
    # first row naming the case).
    Field("most_likely", gettext_lazy("Most likely infector"), False,
          ("most likely", "likely", "best", "primary")),
)
# A contact is a named person to follow up: its name stays required.
_NAMED = (Field("name", PERSON_FIELDS[0].label, True, PERSON_FIELDS[0].headers),)

CASES = PERSON_FIELDS + _CASE
CONTACTS = _NAMED + PERSON_FIELDS[1:] + _CONTACT
LINKS = _LINK
REQUIRED = {
    "cases": ("external_id", "classification", "report_date", "detection_route"),
    "contacts": ("name", "external_id", "contact_type", "last_exposure"),
    "links": ("infector", "infectee"),
}
DATES = frozenset({"birth_date", "onset_date", "sampling_date", "report_date", "outcome_date",
                   "exposure_date", "last_exposure", "date"})
LIMITS = {"name": 200, "external_id": 64, "address": 300, "home_area": 40, "person": 64,
          "source_case": 64, "source_contact": 64, "infector": 64, "infectee": 64,
          "other_candidate_sources": 2000}
# Columns our export adds that an import does not read: ignored, so an export imports again.
# (`record` is the number in the exporting database; the row's reference is `external_id`.)
EXPORT_ONLY = ("record", "status", "followup_start", "followup_end", "cluster",
               "converted_case")
