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
    """What `make extract` would find in web/ (and the texts engine/ marks with N_: definitions,
    incidents, deploy problems) is in the catalogue, translated and not fuzzy."""
    catalogue = _catalogue()
    method_map = [("web/**.py", "python"), ("engine/**.py", "python"), ("web/templates/**.html", "jinja2")]
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


def test_every_engine_notice_is_in_the_catalogue_with_its_placeholders() -> None:
    """Every incident and deploy-problem code renders in Russian: its English template is a
    translated message of the catalogue, keeping the template's placeholders."""
    from engine import regulation  # noqa: F401  (registers the codes)
    from engine.shared import notices

    translated = {_ids(m.id)[0]: m for m in _catalogue() if m.id}
    codes = notices.codes()
    assert len(codes) > 100, "the incident and problem codes are registered"
    for code, template in codes.items():
        message = translated.get(template)
        assert message is not None and message.string and not message.fuzzy, (code, template)
        assert set(PLACEHOLDER.findall(template)) == set(PLACEHOLDER.findall(str(message.string))), code
