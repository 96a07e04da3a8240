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


def test_an_xlsx_export_over_the_cap_is_refused_naming_the_limit(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.regulation import explorer_export

    for name in ("Acme", "Bolt", "Crane"):
        client = api("anna").post("/api/v1/clients", json={"name": name}).get_json()
        started = api("anna").post("/api/v1/cycles", json={"client_id": client["id"], "regulation": "new_client_sale"})
        assert started.status_code == 201, started.get_data(as_text=True)
    monkeypatch.setattr(explorer_export, "MAX_XLSX_ROWS", 2)
    refused = api("head").get("/api/v1/cycles/export?format=xlsx")
    assert refused.status_code == 422, refused.status_code
    body = refused.get_json()
    assert body["details"]["limit"] == 2 and "more than 2 cycles" in body["message"]
    assert "format" in body["details"]["fields"]
    assert api("head").get("/api/v1/cycles/export?format=xlsx&client=Bolt").status_code == 200
    csv = api("head").get("/api/v1/cycles/export?format=csv")
    assert csv.status_code == 200 and len(csv.get_data(as_text=True).strip().splitlines()) == 4
    monkeypatch.setattr(explorer_export, "MAX_XLSX_ROWS", 3)
    assert api("head").get("/api/v1/cycles/export?format=xlsx").status_code == 200


def test_the_xlsx_writer_refuses_rows_over_its_limit_cleanly() -> None:
    import io

    from engine.regulation.explorer_export import write_xlsx

    with pytest.raises(InputInvalid) as raised:
        write_xlsx(["a"], iter([["1"], ["2"], ["3"]]), io.BytesIO(), limit=2)
    assert raised.value.details["limit"] == 2
    target = io.BytesIO()
    write_xlsx(["a"], iter([["1"], ["2"]]), target, limit=2)
    assert target.getvalue().startswith(b"PK")
