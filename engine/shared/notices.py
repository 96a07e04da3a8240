"""What the engine tells people about a cycle or a diagram (an incident, a deploy problem) as a
code with parameters, so that each reader gets it in their own language.

Each area keeps its table of codes and English templates (``%(name)s`` placeholders), marked with
``N_`` so that ``make extract`` puts them in the catalogue, and registers it with ``define``. The
engine stores and answers the code, the parameters and the English text; the web renders the
template translated for the reader. A parameter may itself be a notice (``{"code", "params"}``),
rendered the same way: a frame ("the engine cannot continue this cycle: ...") around its reason.
An unknown code (a row written by an older version) shows its stored text."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

_TEMPLATES: dict[str, str] = {}


def define(table: Mapping[str, str]) -> None:
    """Register an area's codes; a code means one thing only."""
    for code, text in table.items():
        if _TEMPLATES.get(code, text) != text:
            raise ValueError(f"notice code {code!r} is defined twice")
        _TEMPLATES[code] = text


def template(code: str) -> str | None:
    return _TEMPLATES.get(code)


def codes() -> dict[str, str]:
    """Every registered code with its English template (the tests check each renders)."""
    return dict(_TEMPLATES)


def _same(text: str) -> str:
    return text


def render(code: str | None, params: Mapping[str, Any] | None = None, *,
           translate: Callable[[str], str] = _same, show: Callable[[Any], str] = str,
           fallback: str | None = None) -> str:
    """The notice's text: the code's template, through ``translate``, with the parameters shown by
    ``show`` (nested notices rendered alike); ``fallback`` when the code is unknown."""
    text = _TEMPLATES.get(code or "")
    if text is None:
        return fallback if fallback is not None else str(code or "")
    values = {name: _value(value, translate, show) for name, value in (params or {}).items()}
    try:
        return translate(text) % values
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: the English
        try:
            return text % values
        except (KeyError, TypeError, ValueError):
            return fallback if fallback is not None else text


def _value(value: Any, translate: Callable[[str], str], show: Callable[[Any], str]) -> str:
    if isinstance(value, Mapping) and "code" in value:
        return render(str(value["code"]), value.get("params") or {}, translate=translate, show=show,
                      fallback=str(value.get("text") or value["code"]))
    return show(value)


@dataclass(frozen=True)
class Notice:
    """One message for people: its code and parameters; ``text`` is the English."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return render(self.code, self.params, show=_english)

    def as_dict(self) -> dict[str, Any]:
        """``{"code", "params"}``: a nested notice keeps its English text beside it."""
        return {"code": self.code, "params": {k: _stored(v) for k, v in self.params.items()}}


def _stored(value: Any) -> Any:
    if isinstance(value, Notice):
        return {**value.as_dict(), "text": value.text}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _english(value: Any) -> str:
    if isinstance(value, Notice):
        return value.text
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


class Noticed(Exception):
    """An exception that carries its notice (``coded`` makes one)."""

    notice: Notice | None = None


E = TypeVar("E", bound=Noticed)


def coded(kind: type[E], code: str, params: Mapping[str, Any], *args: Any) -> E:
    """``kind(english_text, *args)`` carrying ``Notice(code, params)``."""
    notice = Notice(code, dict(params))
    exc = kind(notice.text, *args)
    exc.notice = notice
    return exc


def notice_of(exc: BaseException) -> Notice | None:
    found = getattr(exc, "notice", None)
    return found if isinstance(found, Notice) else None
