"""The English catalogue is complete and the compiled .mo files match their .po sources."""

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "assessment" / "locale"


def po_entries(path: Path) -> list[dict]:
    """A small reader for the .po files makemessages writes (msgid/msgstr, plurals, flags)."""
    entries, entry, field = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry, field = {}, None
        elif line.startswith(("#", "msgid ", "msgctxt ")) and "msgid" in entry:
            entries.append(entry)
            entry, field = {}, None
            if line.startswith("#,"):
                entry["flags"] = line[2:].strip()
            elif line.startswith(("msgid ", "msgctxt ")):
                field, _, value = line.partition(" ")
                entry[field] = ast.literal_eval(value)
        elif line.startswith("#,"):
            entry["flags"] = line[2:].strip()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return [e for e in entries if e.get("msgid")]


@pytest.mark.parametrize("language", ["en", "de"])
def test_catalogue_has_no_fuzzy_entries(language):
    entries = po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert entries
    assert not [e["msgid"] for e in entries if "fuzzy" in e.get("flags", "")]


def test_english_catalogue_is_complete():
    entries = po_entries(LOCALE / "en" / "LC_MESSAGES" / "django.po")
    missing = [
        e["msgid"]
        for e in entries
        if not e.get("msgstr") and not (e.get("msgstr[0]") and e.get("msgstr[1]"))
    ]
    assert missing == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_compiled_catalogue_matches_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries(folder / "django.po"):
        if "msgid_plural" in entry:
            expected = entry.get("msgstr[1]") or entry["msgid_plural"]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == expected
        elif "msgctxt" in entry:
            expected = entry.get("msgstr") or entry["msgid"]
            assert compiled.pgettext(entry["msgctxt"], entry["msgid"]) == expected
        else:
            expected = entry.get("msgstr") or entry["msgid"]
            assert compiled.gettext(entry["msgid"]) == expected, entry["msgid"]
