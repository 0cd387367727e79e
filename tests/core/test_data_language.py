"""Names written as data (the demo's teams, sites and labs) follow the deployment's language:
one rule for every app (core/data_language.py), each app keeping its own words."""

from __future__ import annotations

import pytest

from outbreakhq.core.data_language import names_in

WORDS = {"en": {"team": "{area} team"}, "zh": {"team": "{area}组"}}


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", ("name_zh", WORDS["zh"])), ("zh", ("name_zh", WORDS["zh"])),
    ("en", ("name_en", WORDS["en"])), ("fr", ("name_en", WORDS["en"])),
    ("", ("name_en", WORDS["en"]))])
def test_chinese_for_any_zh_code_else_english(language, expected) -> None:
    assert names_in(WORDS, language) == expected


def test_the_deployments_language_by_default(settings) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # OUTBREAKHQ_LANGUAGE=zh-hans
    assert names_in(WORDS) == ("name_zh", WORDS["zh"])
    settings.LANGUAGE_CODE = "en"
    assert names_in(WORDS) == ("name_en", WORDS["en"])
