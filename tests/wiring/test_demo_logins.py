"""The demo's printed logins name each area as the deployment names its data: a Chinese
deployment's newcomer reads 天宁县, not the English name they will not find on any page."""

from __future__ import annotations

from outbreakhq.core.models import Area
from outbreakhq.core.roles import Role
from outbreakhq.wiring.demo_users import DemoLogin, login_lines


def _logins() -> list[DemoLogin]:
    county = Area(code="990101", level="county", name_en="Tianning County", name_zh="天宁县")
    return [DemoLogin("tracer", Role.TRACER.label, county)]


def test_a_chinese_deployment_prints_areas_and_roles_in_chinese():
    [line] = login_lines(_logins(), "zh-hans")
    assert "天宁县 (990101)" in line and "Tianning" not in line
    assert "tracer" in line and str(Role.TRACER.label) not in line  # the role in Chinese


def test_an_english_deployment_prints_english_names():
    [line] = login_lines(_logins(), "en")
    assert "Tianning County (990101)" in line and str(Role.TRACER.label) in line
