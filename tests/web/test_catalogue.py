"""The Russian catalogue covers every string of the UI, with the same placeholders."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalogue():  # type: ignore[no-untyped-def]
    with open(ROOT / "web" / "translations" / "ru" / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale="ru")


def _ids(message_id: object) -> list[str]:
    return list(message_id) if isinstance(message_id, tuple) else [str(message_id)]


def test_every_ui_string_has_a_russian_translation() -> None:
    """What `make extract` would find in web/ (and the definitions engine/control marks with N_) is
    in the catalogue, translated and not fuzzy."""
    catalogue = _catalogue()
    method_map = [("web/**.py", "python"), ("engine/control/**.py", "python"), ("web/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map=method_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    assert len(found) > 500, "the extraction found the UI strings"
    translated = {_ids(m.id)[0]: m for m in catalogue if m.id}
    missing = sorted(m for m in found if m not in translated)
    assert missing == [], f"not in the Russian catalogue (run make extract, then translate): {missing[:10]}"
    untranslated = sorted(k for k, m in translated.items()
                          if k in found and (m.fuzzy or not all(_ids(m.string))))
    assert untranslated == [], f"untranslated or fuzzy: {untranslated[:10]}"


def test_translations_keep_the_placeholders() -> None:
    for message in _catalogue():
        if not message.id:
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(_ids(message.id))))
        for text in _ids(message.string):
            assert set(PLACEHOLDER.findall(text)) <= wanted | {"num"}, (message.id, text)
            assert wanted - {"num"} <= set(PLACEHOLDER.findall(text)), (message.id, text)
