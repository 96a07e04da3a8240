"""Review of the cockpit (issue 12): bad input is a field error, never a 500."""
from __future__ import annotations

from typing import Any

import pytest

from engine.regulation.variable_edits import from_text
from engine.shared.errors import InputInvalid
from engine.shared.numbers import parse_whole_number, whole_number


@pytest.mark.parametrize("text", ["²", "٣", "1²", "-1", " 1", "", "1" * 19])
def test_only_ascii_digits_of_a_bounded_length_are_whole_numbers(text: str) -> None:
    assert parse_whole_number(text) is None
    with pytest.raises(InputInvalid) as raised:
        whole_number(text, "version")
    assert raised.value.details["fields"] == {"version": "must be a whole number"}
    assert whole_number("042", "version") == 42


def test_a_typed_superscript_stays_text() -> None:
    assert from_text("²") == "²" and from_text("-²") == "-²"
    assert from_text("-12") == -12 and from_text("12") == 12


@pytest.mark.parametrize("query", ["limit=²", "client_id=²", "regulation=new_client_sale&version=²",
                                   "client_id=٣"])
def test_the_api_answers_422_naming_the_field_for_unicode_digits(api: Any, query: str) -> None:
    response = api("head").get(f"/api/v1/cycles?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    field = query.rsplit("&", 1)[-1].split("=")[0]
    assert field in response.get_json()["details"]["fields"]


def test_the_page_shows_the_field_error_for_unicode_digits(client: Any, login: Any) -> None:
    login(client, "head")
    for query in ("version=²&regulation=new_client_sale", "limit=²", "client_id=²"):
        page = client.get(f"/cycles?{query}")
        assert page.status_code == 200 and 'id="filter-problems"' in page.get_data(as_text=True)
    migrate = client.get("/cycles/migrate?regulation=new_client_sale&version=²")
    assert migrate.status_code == 302
    migrate = client.get("/cycles/migrate?regulation=new_client_sale&version=1&to_version=²")
    assert migrate.status_code in (200, 302)
