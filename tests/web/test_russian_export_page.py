"""The client list's CSV export in the user's language (issue 16)."""
from __future__ import annotations


def test_a_russian_user_downloads_a_semicolon_csv_and_an_english_one_a_comma_csv(client, login, platform,
                                                                                  actors) -> None:
    platform.clients.create_client(actors["boris"], "Ромашка, ООО")
    platform.clients.create_client(actors["anna"], "Alfa Retail")
    assert login(client, "boris").status_code == 302  # boris works in Russian
    text = client.get("/clients/export.csv").get_data(as_text=True)
    assert text.startswith("\ufeffНазвание;Тип;ИНН;") and "\r\nРомашка, ООО;company;" in text
    client.post("/logout")
    assert login(client, "anna").status_code == 302
    text = client.get("/clients/export.csv").get_data(as_text=True)
    assert text.startswith("\ufeffName,Kind,Tax ID,") and "\r\nAlfa Retail,company," in text
