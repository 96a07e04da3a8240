"""The HTML pages through Flask's test client: login, inbox, task forms, clients, cycles,
locale, CSRF and redirects."""
from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest

from engine.platform.root import Reglament

QUALIFIED = {"contact_person": "Maria", "budget": "1500000", "need": "CRM roll-out", "result": "qualified",
             "loss_reason": ""}


def html(response: Any) -> str:
    return response.get_data(as_text=True)


def main(response: Any) -> str:
    """The page's <main> element: what the page says, without the top bar."""
    page = html(response)
    return page[page.index("<main>"):page.index("</main>")]


def visible_text(response: Any) -> str:
    """<main> as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main(response))).split())


def field(page: str, field_id: str) -> str:
    """The <div class="field"> block of one form field."""
    found = re.search(r'<div class="field[^"]*">(?:(?!<div class="field).)*?for="f-' + field_id
                      + r'".*?</div>', page, re.S)
    assert found, f"no field {field_id}"
    return found.group(0)


@pytest.fixture
def sale(platform: Reglament, actors) -> dict[str, Any]:
    """Anna's client "Acme" with a new-client sale at the qualification call."""
    client = platform.clients.create_client(actors["anna"], "Acme", "Retail")
    return platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale")


@pytest.fixture
def call_id(platform: Reglament, actors, sale) -> str:
    [(task, _)] = platform.regulation.inbox(actors["anna"], cycle_id=sale.id)
    assert task.element_id == "Task_QualificationCall"
    return task.id


@pytest.fixture
def anna(client, login):
    assert login(client, "anna").status_code == 302
    return client


def open_element_ids(platform: Reglament, actor, cycle_id: int) -> list[str]:
    return [t.element_id for t, _ in platform.regulation.inbox(actor, cycle_id=cycle_id)]


@pytest.fixture
def restore_locales(platform: Reglament):
    """Users outlive a test; put back every locale a test switched."""
    before = {a.login: a.locale for a in platform.accounts.users()}
    yield
    for actor in platform.accounts.users():
        if actor.locale != before[actor.login]:
            platform.accounts.set_locale(actor, before[actor.login])


# ---------------------------------------------------------------- login

def test_the_login_page_asks_for_login_and_password(client) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    page = html(response)
    assert "Log in to Reglament" in page
    assert 'name="login"' in page and 'name="password" type="password"' in page
    assert 'class="main-nav"' not in page, "no navigation before logging in"


def test_a_wrong_password_shows_an_error_with_401(client, login) -> None:
    response = login(client, "anna", "not-the-password")
    assert response.status_code == 401
    assert "Wrong login or password." in visible_text(response)
    assert client.get("/inbox").status_code == 302, "still logged out"


def test_anna_logs_in_and_sees_her_inbox_with_the_task_and_client(client, login, sale) -> None:
    response = login(client, "anna")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    response = client.get("/inbox")
    assert response.status_code == 200
    text = visible_text(response)
    assert "Inbox" in text and "Qualification call" in text and "Acme" in text
    assert "Anna Smirnova" in html(response)
    row = re.search(r'<tr class="" data-task-id="[^"]+">.*?</tr>', html(response), re.S).group(0)
    assert "Qualification call" in row and "Acme" in row and "Qualification" in row


def test_the_root_redirects_to_the_inbox(anna) -> None:
    response = anna.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"


def test_logging_out_ends_the_session(anna) -> None:
    response = anna.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert anna.get("/inbox").status_code == 302


# ---------------------------------------------------------------- task form

def test_the_task_page_renders_the_camunda_form(anna, call_id: str) -> None:
    response = anna.get(f"/tasks/{call_id}")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Qualification call</h1>" in page
    assert "Call Acme: confirm the contact person" in page, "documentation with the client filled in"
    labels = re.findall(r'<label for="f-(\w+)">([^<]+?)\s*(?:<span class="req"|</label>)', page)
    assert labels == [("contact_person", "Contact person"), ("budget", "Budget"), ("need", "Need"),
                      ("result", "Result"), ("loss_reason", "Loss reason (if refused)")]
    assert 'class="req"' in field(page, "contact_person") and 'class="req"' in field(page, "result")
    assert 'class="req"' not in field(page, "budget")
    assert re.search(r'<input id="f-contact_person" name="contact_person" value=""', page)
    assert re.search(r'name="budget" inputmode="decimal"', page), "an amount, typed as people write it"
    assert '<textarea id="f-need" name="need" rows="3" maxlength="500"' in page
    options = re.findall(r'<option value="(\w*)"\s*>([^<]+)</option>', field(page, "result"))
    assert options == [("", "—"), ("qualified", "Qualified"), ("refused", "Client refused")]
    assert "Complete task" in page


def test_an_empty_required_field_rerenders_422_with_messages_and_typed_values(anna, platform, actors,
                                                                               sale, call_id: str) -> None:
    typed = {"contact_person": "", "budget": "250000", "need": "Warehouse & <CRM>", "result": "",
             "loss_reason": "n/a"}
    response = anna.post(f"/tasks/{call_id}", data=typed)
    assert response.status_code == 422
    page = html(response)
    assert "Please correct the marked fields." in page
    assert 'class="field has-error"' in field(page, "contact_person")
    assert '<p class="error-text" role="alert">is required</p>' in field(page, "contact_person")
    assert '<p class="error-text" role="alert">is required</p>' in field(page, "result")
    assert "has-error" not in field(page, "budget") and "error-text" not in field(page, "need")
    assert 'value="250000"' in field(page, "budget")
    assert ">Warehouse &amp; &lt;CRM&gt;</textarea>" in field(page, "need"), "kept, and escaped"
    assert ">n/a</textarea>" in field(page, "loss_reason")
    assert open_element_ids(platform, actors["anna"], sale.id) == ["Task_QualificationCall"]

    response = anna.post(f"/tasks/{call_id}", data={**typed, "result": "qualified", "budget": "-1"})
    assert response.status_code == 422
    page = html(response)
    assert '<option value="qualified" selected>' in field(page, "result"), "the chosen option stays chosen"
    assert "must be at least 0" in field(page, "budget") and 'value="-1"' in field(page, "budget")


def test_a_valid_submit_redirects_to_the_inbox_and_the_task_is_gone(anna, platform, actors, sale,
                                                                    call_id: str) -> None:
    response = anna.post(f"/tasks/{call_id}", data=QUALIFIED)
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    response = anna.get("/inbox")
    text = visible_text(response)
    assert "Task “Qualification call” completed." in text
    assert call_id not in html(response) and "Qualification call” completed" in text
    assert "Nothing to do here." in text
    assert open_element_ids(platform, actors["pavel"], sale.id) == ["Task_PrepareDemo"]
    assert platform.regulation.cycle(actors["anna"], sale.id).variables["budget"] == 1_500_000

    again = anna.post(f"/tasks/{call_id}", data=QUALIFIED)
    assert again.status_code == 409 and "Already done" in visible_text(again)
    assert anna.get(f"/tasks/{call_id}").status_code == 409


def test_an_unknown_task_is_a_404_page(anna) -> None:
    response = anna.get("/tasks/no-such-task")
    assert response.status_code == 404 and "Not found" in visible_text(response)


def test_boris_may_not_open_or_complete_annas_task(client, login, platform, actors, sale,
                                                   call_id: str) -> None:
    login(client, "boris")
    assert client.get(f"/tasks/{call_id}").status_code == 403
    assert client.post(f"/tasks/{call_id}", data=QUALIFIED).status_code == 403
    assert open_element_ids(platform, actors["anna"], sale.id) == ["Task_QualificationCall"]


def test_pavel_claims_and_releases_a_group_task_from_the_pages(client, login, platform, actors, sale,
                                                               call_id: str) -> None:
    platform.regulation.complete_task(actors["anna"], call_id, {"contact_person": "Maria", "result": "qualified"})
    [(demo, _)] = platform.regulation.inbox(actors["pavel"], scope="group")
    login(client, "pavel")
    group = client.get("/inbox?scope=group")
    assert "Prepare demo" in visible_text(group) and "Claim" in visible_text(group)

    response = client.post(f"/tasks/{demo.id}/claim", data={"next": "/inbox?scope=group"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?scope=group"
    assert "The task is yours now." in visible_text(client.get("/inbox?scope=mine"))
    page = client.get(f"/tasks/{demo.id}")
    assert "Release to group" in visible_text(page) and "<strong>pavel</strong>" in html(page)

    response = client.post(f"/tasks/{demo.id}/release")
    assert response.status_code == 302
    assert [t.assignee for t, _ in platform.regulation.inbox(actors["pavel"], scope="group")] == [None]


# ---------------------------------------------------------------- clients and cycles

def test_the_client_page_starts_a_sale_and_redirects_to_the_cycle(anna, platform, actors) -> None:
    client = platform.clients.create_client(actors["anna"], "Beta Foods")
    page = anna.get(f"/clients/{client.id}")
    assert page.status_code == 200
    assert "Start sale" in visible_text(page) and "New client sale (v1)" in visible_text(page)
    assert "No sales cycles with this client yet." in visible_text(page)

    response = anna.post(f"/clients/{client.id}/cycles", data={"regulation": "new_client_sale"})
    assert response.status_code == 302
    cycle_id = int(re.fullmatch(r"/cycles/(\d+)", response.headers["Location"]).group(1))
    cycle_page = anna.get(response.headers["Location"])
    text = visible_text(cycle_page)
    assert "Sale started." in text and f"Cycle #{cycle_id}" in text and "Beta Foods" in text
    assert "Qualification call" in text and "Active" in text
    assert platform.regulation.cycle(actors["anna"], cycle_id).started_by == "anna"


def test_creating_a_client_from_the_clients_page(anna, platform, actors) -> None:
    response = anna.post("/clients", data={"name": "Gamma Steel", "segment": "Manufacturing"})
    assert response.status_code == 302
    assert "Client “Gamma Steel” created." in visible_text(anna.get(response.headers["Location"]))
    empty = anna.post("/clients", data={"name": "", "segment": ""})
    assert empty.status_code == 422 and "is required" in visible_text(empty)


def test_alex_reads_the_cycle_history_but_may_not_start_a_sale(client, login, platform, actors, sale,
                                                               call_id: str) -> None:
    platform.regulation.complete_task(actors["anna"], call_id, {"contact_person": "Maria", "result": "qualified"})
    login(client, "alex")
    page = client.get(f"/cycles/{sale.id}")
    assert page.status_code == 200
    text = visible_text(page)
    assert "History" in text and "Cycle started" in text and "Completed" in text
    completed = re.search(r'<tr class="ev-completed">.*?</tr>', html(page), re.S).group(0)
    assert "Qualification call" in completed and "anna" in completed and "Maria" in completed

    client_page = client.get(f"/clients/{sale.client_id}")
    assert client_page.status_code == 200 and "Start sale" not in html(client_page)
    refused = client.post(f"/clients/{sale.client_id}/cycles", data={"regulation": "new_client_sale"})
    assert refused.status_code == 403
    assert "Not allowed" in visible_text(refused) and "may not start cycles" in visible_text(refused)
    assert [c.id for c in platform.regulation.cycles(actors["head"])] == [sale.id], "no cycle was started"


def test_the_cycles_and_regulations_lists(anna, sale) -> None:
    cycles = visible_text(anna.get("/cycles"))
    assert "Acme" in cycles and "new_client_sale v1" in cycles
    regulations = anna.get("/regulations")
    assert regulations.status_code == 200 and "New client sale" in visible_text(regulations)


def test_an_unknown_cycle_is_a_404_page(anna) -> None:
    response = anna.get("/cycles/999999")
    assert response.status_code == 404 and "Not found" in visible_text(response)


def test_names_are_escaped_everywhere(anna, platform, actors) -> None:
    evil = '<script>alert("x")</script>'
    client = platform.clients.create_client(actors["anna"], evil)
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale")
    [(task, _)] = platform.regulation.inbox(actors["anna"], cycle_id=cycle.id)
    for path in ("/inbox", f"/tasks/{task.id}", f"/cycles/{cycle.id}", f"/clients/{client.id}",
                 "/clients", "/cycles"):
        page = html(anna.get(path))
        assert "<script>" not in page, path
        assert "&lt;script&gt;" in page, path


def test_task_documentation_shows_the_client_name_as_typed(anna, platform, actors) -> None:
    client = platform.clients.create_client(actors["anna"], "Smith & Sons")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale")
    [(task, _)] = platform.regulation.inbox(actors["anna"], cycle_id=cycle.id)
    response = anna.get(f"/tasks/{task.id}")
    assert "Call Smith & Sons: confirm" in visible_text(response)


# ---------------------------------------------------------------- login required

PAGES = ["/", "/inbox", "/inbox?scope=group", "/clients", "/clients/1", "/cycles", "/cycles/1", "/regulations",
         "/tasks/some-task"]
POSTS = ["/clients", "/clients/1/cycles", "/tasks/some-task", "/tasks/some-task/claim",
         "/tasks/some-task/release", "/cycles/1/retry"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_login_when_logged_out(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and location.netloc == ""
    assert "next=" in location.query


@pytest.mark.parametrize("path", POSTS)
def test_posts_redirect_to_login_when_logged_out(client, platform, actors, path: str) -> None:
    response = client.post(path, data={"name": "Sneaky", "regulation": "new_client_sale"})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    assert platform.clients.clients(actors["head"]) == []


def test_after_logging_in_the_user_lands_on_the_page_they_asked_for(client, login, sale) -> None:
    response = client.get(f"/cycles/{sale.id}")
    login_url = response.headers["Location"]
    response = client.post(login_url, data={"login": "anna", "password": "demo"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/cycles/{sale.id}"


# ---------------------------------------------------------------- locale

def test_switching_to_russian_shows_russian_strings(anna, platform, restore_locales) -> None:
    response = anna.post("/locale", data={"locale": "ru", "next": "/inbox"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    page = html(anna.get("/inbox"))
    assert '<html lang="ru">' in page
    assert "<h1>Входящие</h1>" in page and "Клиенты" in page
    assert {a.login: a.locale for a in platform.accounts.users()}["anna"] == "ru", "remembered for her"

    anna.post("/locale", data={"locale": "en", "next": "/inbox"})
    assert "<h1>Inbox</h1>" in html(anna.get("/inbox"))


def test_the_login_page_switches_to_russian_before_logging_in(client) -> None:
    response = client.post("/locale", data={"locale": "ru", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Вход в Reglament" in html(client.get("/login"))


def test_an_unknown_locale_is_ignored(anna, restore_locales) -> None:
    assert anna.post("/locale", data={"locale": "xx", "next": "/inbox"}).status_code == 302
    assert "<h1>Inbox</h1>" in html(anna.get("/inbox"))


def test_field_errors_are_shown_in_russian_to_a_russian_speaking_manager(anna, call_id: str,
                                                                          restore_locales) -> None:
    anna.post("/locale", data={"locale": "ru", "next": "/inbox"})
    response = anna.post(f"/tasks/{call_id}", data={"contact_person": "", "budget": "-5", "result": ""})
    assert response.status_code == 422
    text = visible_text(response)
    assert "обязательное поле" in text and "не меньше 0" in text
    assert "is required" not in text


def test_boris_sees_russian_by_his_own_setting(client, login) -> None:
    login(client, "boris")
    assert "<h1>Входящие</h1>" in html(client.get("/inbox"))


# ---------------------------------------------------------------- CSRF

def test_completing_without_a_csrf_token_is_refused_and_the_task_stays_open(csrf_client, login, csrf_token,
                                                                            platform, actors, sale,
                                                                            call_id: str) -> None:
    assert login(csrf_client, "anna").status_code == 302, "logging in with the form's token works"
    response = csrf_client.post(f"/tasks/{call_id}", data=QUALIFIED)
    assert response.status_code == 400
    assert "CSRF token is missing" in visible_text(response)
    response = csrf_client.post(f"/tasks/{call_id}", data={**QUALIFIED, "csrf_token": "forged"})
    assert response.status_code == 400
    assert open_element_ids(platform, actors["anna"], sale.id) == ["Task_QualificationCall"]
    assert platform.regulation.cycle(actors["anna"], sale.id).stage == "Qualification"

    token = csrf_token(html(csrf_client.get(f"/tasks/{call_id}")))
    response = csrf_client.post(f"/tasks/{call_id}", data={**QUALIFIED, "csrf_token": token})
    assert response.status_code == 302, "the same post with the page's token goes through"
    assert open_element_ids(platform, actors["anna"], sale.id) == []


@pytest.mark.parametrize(("path", "data"), [
    ("/login", {"login": "anna", "password": "demo"}),
    ("/locale", {"locale": "ru"}),
    ("/clients", {"name": "Forged client"}),
    ("/logout", {}),
])
def test_other_posts_without_a_csrf_token_are_refused(csrf_client, login, platform, actors, path: str,
                                                      data: dict[str, str]) -> None:
    if path != "/login":
        login(csrf_client, "anna")
    assert csrf_client.post(path, data=data).status_code == 400
    assert platform.clients.clients(actors["head"]) == []


def test_pages_send_security_headers_and_a_guarded_session_cookie(client, login) -> None:
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    cookie = login(client, "anna").headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# ---------------------------------------------------------------- redirects stay on site

def _login_with_next(client, next_: str) -> Any:
    return client.post("/login?next=" + next_, data={"login": "anna", "password": "demo"})


def assert_local(location: str) -> None:
    parts = urlsplit(location)
    assert parts.scheme == "" and parts.netloc == "", f"redirects off-site to {location!r}"
    assert location.startswith("/") and not location.startswith("//"), location


@pytest.mark.parametrize("next_", ["//evil.example", "//evil.example/inbox", "https://evil.example",
                                   "http:/evil.example", "/%5Cevil.example", "%2F%2Fevil.example",
                                   "///evil.example", "javascript:alert(1)"])
def test_login_next_does_not_redirect_off_site(client, next_: str) -> None:
    response = _login_with_next(client, next_)
    assert response.status_code == 302
    assert_local(response.headers["Location"])
    assert response.headers["Location"] == "/inbox"


def test_login_next_keeps_a_local_path(client) -> None:
    response = _login_with_next(client, "/cycles%3Fstatus%3Dactive")
    assert response.headers["Location"] == "/cycles?status=active"


def test_login_next_with_a_tab_does_not_redirect_off_site(client) -> None:
    response = _login_with_next(client, "/%09/evil.example")
    assert response.status_code == 302
    assert_local(response.headers["Location"])


def test_locale_next_with_a_tab_does_not_redirect_off_site(client) -> None:
    response = client.post("/locale", data={"locale": "en", "next": "/\t/evil.example"})
    assert response.status_code == 302
    assert_local(response.headers["Location"])


def test_login_next_with_crlf_is_not_a_server_error(app) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = _login_with_next(app.test_client(), "/%0D%0ASet-Cookie:x=y")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"
