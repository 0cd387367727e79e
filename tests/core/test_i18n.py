"""The Simplified Chinese catalogue: complete, compiled, covering the source, and used by the pages.

See docs/translations.md. After adding a string: `make messages`, translate, commit .po and .mo.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from outbreakhq.config import BASE_DIR

LC_MESSAGES = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
LOGIN_TITLE_ZH = "登录 OutbreakHQ"  # "Log in to OutbreakHQ"

PO_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"$')
PO_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\{\s*\w+\s*\}\}")


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: PO_ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(path: Path) -> list[dict]:
    """Entries as {'flags', 'msgctxt', 'msgid', 'msgid_plural', 'msgstr', 'msgstr[0]', …}.
    Obsolete (#~) entries are skipped; the header is the entry whose msgid is ''."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += unescape(line[1:-1])
        else:
            match = PO_LINE.match(line)
            assert match, f"{path}: cannot read line {raw!r}"
            key = match.group(1)
            entry[key] = unescape(match.group(2))
    return entries


def translations(entry: dict) -> list[str]:
    return [v for k, v in entry.items() if k.startswith("msgstr")]


def problems(entries: list[dict]) -> list[str]:
    """Every fuzzy or untranslated entry (header included), as a readable line."""
    found = []
    for e in entries:
        if "fuzzy" in e["flags"]:
            found.append(f"fuzzy: {e['msgid']!r}")
        elif e["msgid"] and not all(translations(e)):
            found.append(f"untranslated: {e['msgid']!r}")
    return found


def test_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    entries = parse_po(PO)
    assert len(entries) > 100, "the catalogue looks truncated"
    found = problems(entries)
    assert not found, "translate these in django.po, then `make messages`:\n" + "\n".join(found)


def test_translations_keep_every_placeholder() -> None:
    """Chinese has one plural form, so msgstr[0] serves every count: it follows msgid_plural."""
    wrong = [
        e["msgid"] for e in parse_po(PO) if e["msgid"] and any(
            sorted(PLACEHOLDER.findall(t))
            != sorted(PLACEHOLDER.findall(e.get("msgid_plural", e["msgid"])))
            for t in translations(e))
    ]
    assert wrong == []


def test_compiled_catalogue_matches_the_po() -> None:
    """django.mo holds exactly what django.po says: nobody forgot compilemessages."""
    expected = {}
    for e in parse_po(PO):
        if not e["msgid"] or "fuzzy" in e["flags"]:
            continue
        msgid = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            expected.update({(msgid, int(k[7:-1])): v for k, v in e.items()
                             if k.startswith("msgstr[")})
        else:
            expected[msgid] = e["msgstr"]
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog  # msgid -> msgstr
    compiled = {k: v for k, v in compiled.items() if k != ""}  # "" is the header
    differ = {k for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]}
    stale = sorted(str(k) for k in (expected.keys() ^ compiled.keys()) | differ)
    assert stale == [], "django.mo is out of date: run `make messages` and commit django.mo"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext (xgettext) not installed")
def test_every_string_in_the_source_is_in_the_catalogue(tmp_path: Path) -> None:
    """Run makemessages on a copy of the source: a new string that is missing from django.po (or
    still untranslated) fails here, so strings are translated in the commit that adds them."""
    copy = tmp_path / "outbreakhq"
    shutil.copytree(BASE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans",
                    "--no-obsolete"], cwd=copy, env=env, check=True, capture_output=True)
    fresh = parse_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    found = problems(fresh)
    assert not found, "run `make messages` and translate these in django.po:\n" + "\n".join(found)


@pytest.mark.django_db
def test_login_page_follows_the_browser_language(client) -> None:
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in to OutbreakHQ" in english and LOGIN_TITLE_ZH not in english

    # The second header is what a browser set to Chinese (China) sends.
    for header in ("zh-hans", "zh-CN,zh;q=0.9,en;q=0.8"):
        page = client.get("/login/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
        assert LOGIN_TITLE_ZH in page, header
        assert "Log in to OutbreakHQ" not in page
        assert '<html lang="zh-hans">' in page


@pytest.mark.django_db
def test_language_switcher_changes_the_page_language(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/login/"
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()  # cookie wins
    assert LOGIN_TITLE_ZH in page and '<html lang="zh-hans">' in page

    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Log in to OutbreakHQ" in page


@pytest.mark.django_db
def test_token_page_in_chinese_keeps_the_header_sentence_whole(client, django_user_model) -> None:
    user = django_user_model.objects.create_user("tracer1", password="x" * 12)
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/tokens/"})
    page = client.post("/tokens/", {"name": "lab-import", "days": "30"}).content.decode()
    secret = re.search(r'id="new-token">([^<]+)<', page).group(1)
    assert (f"请将其作为 <code>Authorization: Bearer {secret[:8]}…</code> 请求头发送到 "
            "<code>/api/v1/</code>") in page
    assert "<th>名称</th>" in page  # a token's name, not a person's 姓名
