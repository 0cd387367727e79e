"""The key groups of the territory (occupations and settings tested as risk populations).

A module of its own because both the territory and its places tag people with them: kept in
territory.py, they made places.py and territory.py import each other.
"""

from __future__ import annotations

KEY_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("health_worker", "Health worker", "医务人员"),
    ("nursing_home_resident", "Nursing home resident", "养老机构老人"),
    ("nursing_home_staff", "Nursing home staff", "养老机构工作人员"),
    ("construction_worker", "Construction worker", "建筑工地工人"),
    ("market_vendor", "Market vendor", "农贸市场从业人员"),
    ("school_student", "School student", "在校学生"),
    ("school_staff", "School staff", "学校教职工"),
    ("quarantine_staff", "Quarantine site staff", "隔离点工作人员"),
    ("traveller", "Visiting traveller", "来访旅客"),
)
KEY_GROUP_BIT = {code: 1 << i for i, (code, _, _) in enumerate(KEY_GROUPS)}
