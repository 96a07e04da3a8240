"""The time zone in the profile is typed and searched (a list of about 600 zones was a long
select), and only a real zone name is accepted (issue 16)."""
from __future__ import annotations

import re


def test_the_profile_offers_a_searchable_zone_list_and_refuses_a_made_up_zone(client, login, platform, actors,
                                                                             profiles) -> None:
    login(client, "anna")
    page = client.get("/profile").get_data(as_text=True)
    # anna follows the organization's zone (UTC here): the field is empty or names it
    assert re.search(r'<input id="p-timezone" name="timezone" list="p-timezones" value="(UTC)?"', page)
    zones = re.findall(r'<option value="([^"]+)">', page[page.index('<datalist id="p-timezones">'):])
    assert "Europe/Moscow" in zones and "Asia/Novosibirsk" in zones and len(zones) > 300
    assert '<option value="Europe/Moscow">Moscow</option>' in page, "searchable by the city's name"
    refused = client.post("/profile", data={"email": "", "timezone": "Moscow", "locale": "en"})
    assert refused.status_code == 422 and "Choose a time zone from the list." in refused.get_data(as_text=True)
    assert client.post("/profile", data={"email": "", "timezone": "Europe/Moscow", "locale": "en"}).status_code == 302
    assert platform.accounts.profile(actors["anna"]).timezone == "Europe/Moscow"
