"""Idempotency-Key on the API's create and start calls: a retry after a lost answer does nothing twice."""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.platform.idempotency import (
    Answer,
    Claim,
    Idempotency,
    IdempotencyAnswerLost,
    IdempotencyInProgress,
    fingerprint,
)
from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.shared.errors import ConcurrentChange
from storage.models import Activity, Client, Contact, Cycle, IdempotencyKey


def _count(platform: Reglament, model: Any, *where: Any) -> int:
    with platform.query() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_retried_client_create_answers_the_first_answer_and_creates_one_client(api: Any, platform: Reglament) -> None:
    anna = api("anna")
    key = {"Idempotency-Key": "create-acme-1"}
    first = anna.post("/api/v1/clients", json={"name": "Acme Steel"}, headers=key)
    assert first.status_code == 201
    again = anna.post("/api/v1/clients", json={"name": "Acme Steel"}, headers=key)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(platform, Client, Client.name == "Acme Steel") == 1


def test_the_same_key_with_another_body_is_refused_naming_the_conflict(api: Any, platform: Reglament) -> None:
    anna = api("anna")
    key = {"Idempotency-Key": "k-2"}
    assert anna.post("/api/v1/clients", json={"name": "Acme Steel"}, headers=key).status_code == 201
    other = anna.post("/api/v1/clients", json={"name": "Borealis"}, headers=key)
    assert other.status_code == 422
    body = other.get_json()
    assert body["error"] == "idempotency_key_reused"
    assert "different request" in body["message"]
    assert _count(platform, Client, Client.name == "Borealis") == 0


def test_keys_belong_to_their_user(api: Any, platform: Reglament) -> None:
    key = {"Idempotency-Key": "shared-key"}
    assert api("anna").post("/api/v1/clients", json={"name": "Anna's client"}, headers=key).status_code == 201
    assert api("boris").post("/api/v1/clients", json={"name": "Boris's client"}, headers=key).status_code == 201
    assert _count(platform, Client) == 2


def test_a_retried_cycle_start_starts_one_cycle(api: Any, platform: Reglament) -> None:
    anna = api("anna")
    client_id = anna.post("/api/v1/clients", json={"name": "Acme Steel"}).get_json()["id"]
    body = {"client_id": client_id, "regulation": "new_client_sale"}
    answers = [anna.post("/api/v1/cycles", json=body, headers={"Idempotency-Key": "start-1"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert _count(platform, Cycle) == 1


def test_retried_contact_person_and_planned_contact_are_added_once(api: Any, platform: Reglament,
                                                                  actors: Any) -> None:
    platform.regulation.save_work_type(actors["head"], "call", "Call", None)
    anna = api("anna")
    client_id = anna.post("/api/v1/clients", json={"name": "Acme Steel"}).get_json()["id"]
    for _ in range(2):
        person = anna.post(f"/api/v1/clients/{client_id}/contacts", json={"name": "Maria", "phone": "+7 916 123 45 67"},
                           headers={"Idempotency-Key": "person-1"})
        assert person.status_code == 201, person.get_json()
        planned = anna.post(f"/api/v1/clients/{client_id}/activities",
                            json={"work_type": "call", "planned_at": "2026-12-01T10:00:00+00:00"},
                            headers={"Idempotency-Key": "call-1"})
        assert planned.status_code == 201, planned.get_json()
    assert _count(platform, Contact, Contact.client_id == client_id) == 1
    assert _count(platform, Activity, Activity.client_id == client_id) == 1


def test_a_refused_request_keeps_no_key_so_the_corrected_request_runs(api: Any, platform: Reglament) -> None:
    anna = api("anna")
    key = {"Idempotency-Key": "fix-and-retry"}
    refused = anna.post("/api/v1/clients", json={"name": ""}, headers=key)
    assert refused.status_code == 422
    assert refused.get_json()["error"] != "idempotency_key_reused"
    assert anna.post("/api/v1/clients", json={"name": "Acme Steel"}, headers=key).status_code == 201
    assert _count(platform, Client) == 1


def test_a_bad_key_is_refused_naming_the_limit(api: Any, platform: Reglament) -> None:
    response = api("anna").post("/api/v1/clients", json={"name": "Acme"}, headers={"Idempotency-Key": "x" * 201})
    assert response.status_code == 422
    assert response.get_json()["error"] == "idempotency_key_invalid"
    assert "200" in response.get_json()["message"]
    assert _count(platform, Client) == 0


def test_concurrent_duplicates_create_one_client_and_all_get_its_answer(api: Any, platform: Reglament) -> None:
    answers: list[Any] = []
    start = threading.Barrier(6)

    def send() -> None:
        anna = api("anna")  # a client of its own per connection: Flask's test client is not thread-safe
        start.wait()
        answers.append(anna.post("/api/v1/clients", json={"name": "Race Ltd"}, headers={"Idempotency-Key": "race"}))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(platform, Client, Client.name == "Race Ltd") == 1
    ok = [a for a in answers if a.status_code == 201]
    assert ok and len({a.get_json()["id"] for a in ok}) == 1
    assert all(a.status_code in (201, 409) for a in answers), [(a.status_code, a.get_json()) for a in answers]
    assert all(a.get_json()["error"] == "idempotency_in_progress" for a in answers if a.status_code == 409), \
        [a.get_json() for a in answers]


# ----------------------------------------------------------------- the rules, one at a time


def test_a_duplicate_waits_for_the_first_answer_then_gets_409_if_it_never_comes(platform: Reglament) -> None:
    keys = Idempotency(platform, wait=0.2)
    print_ = fingerprint("POST", "/api/v1/clients?", b"{}")
    first = keys.claim(7, "k", print_)
    assert isinstance(first, Claim)
    with pytest.raises(IdempotencyInProgress):
        keys.claim(7, "k", print_)
    keys.finish(first, 201, "application/json", b'{"id": 1}')
    assert keys.claim(7, "k", print_) == Answer(201, "application/json", b'{"id": 1}')


def test_a_request_that_committed_but_never_answered_is_not_done_twice(platform: Reglament, actors: Any,
                                                                       clock: Any) -> None:
    keys = Idempotency(platform, wait=0.1, lease=timedelta(seconds=30))
    print_ = fingerprint("POST", "/api/v1/clients?", b"{}")
    claim = keys.claim(7, "k", print_)
    assert isinstance(claim, Claim)
    with keys.running(claim):
        platform.clients.create_client(actors["anna"], "Committed Ltd")  # its transaction marks the key
    assert claim.committed
    # the process dies here, before storing the answer: a duplicate waits for it while the lease runs
    with pytest.raises(IdempotencyInProgress):
        keys.claim(7, "k", print_)
    clock.advance(seconds=31)
    with pytest.raises(IdempotencyAnswerLost):
        keys.claim(7, "k", print_)


def test_a_claim_whose_request_died_before_committing_is_taken_over_after_the_lease(platform: Reglament,
                                                                                   clock: Any) -> None:
    keys = Idempotency(platform, wait=0.1, lease=timedelta(seconds=30))
    print_ = fingerprint("POST", "/x", b"")
    assert isinstance(keys.claim(7, "k", print_), Claim)
    with pytest.raises(IdempotencyInProgress):
        keys.claim(7, "k", print_)
    clock.advance(seconds=31)
    assert isinstance(keys.claim(7, "k", print_), Claim)


def test_keys_expire_after_a_day_and_the_worker_deletes_them(api: Any, platform: Reglament, clock: Any) -> None:
    anna = api("anna")
    key = {"Idempotency-Key": "daily"}
    assert anna.post("/api/v1/clients", json={"name": "Monday Ltd"}, headers=key).status_code == 201
    clock.advance(hours=23)
    assert anna.post("/api/v1/clients", json={"name": "Tuesday Ltd"}, headers=key).status_code == 422
    clock.advance(hours=2)  # 25 hours: the key is free again
    assert anna.post("/api/v1/clients", json={"name": "Tuesday Ltd"}, headers=key).status_code == 201
    assert _count(platform, IdempotencyKey) == 1
    clock.advance(hours=25)
    Worker(platform).housekeeping()
    assert _count(platform, IdempotencyKey) == 0


def test_a_retried_camunda_rest_process_start_starts_one_cycle(api: Any, platform: Reglament) -> None:
    anna = api("anna")
    client_id = anna.post("/api/v1/clients", json={"name": "Acme Steel"}).get_json()["id"]
    body = {"variables": {"client_id": {"value": client_id, "type": "Long"}}}
    answers = [anna.post("/engine-rest/process-definition/key/new_client_sale/start", json=body,
                         headers={"Idempotency-Key": "rest-start"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200], answers[0].get_json()
    assert answers[0].get_json() == answers[1].get_json()
    assert answers[1].headers["Idempotent-Replayed"] == "true"
    assert _count(platform, Cycle) == 1


def test_a_request_whose_key_was_taken_over_commits_nothing(platform: Reglament, actors: Any, clock: Any) -> None:
    """A slow first request and a retry after the lease: only one of them does the work."""
    keys = Idempotency(platform, wait=0.1, lease=timedelta(seconds=30))
    print_ = fingerprint("POST", "/api/v1/clients?", b"{}")
    slow = keys.claim(7, "k", print_)
    assert isinstance(slow, Claim)
    clock.advance(seconds=31)  # the slow request has not committed yet; its lease runs out
    retry = keys.claim(7, "k", print_)
    assert isinstance(retry, Claim)
    with keys.running(slow), pytest.raises(ConcurrentChange):
        platform.clients.create_client(actors["anna"], "Slow Ltd")
    with keys.running(retry):
        platform.clients.create_client(actors["anna"], "Slow Ltd")
    assert [c.name for c in platform.clients.clients(actors["anna"])] == ["Slow Ltd"]
