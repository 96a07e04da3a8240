"""Imports are worker jobs: the web request only stores the file in the database and queues the
run; a worker of any host (its own disk, nothing shared but the database) claims and runs it;
two workers never run one import twice; a worker killed mid-file leaves a run that the next
worker marks failed with the exact counts of what went in."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engine.clients import imports
from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.shared.access import Actor
from storage.models import Client
from storage.repositories import client_files as repo


def client_count(platform: Reglament) -> int:
    with platform.query() as s:
        return int(s.scalar(select(func.count()).select_from(Client)) or 0)


def csv_file(rows: int) -> bytes:
    lines = ["Name,Phone"] + [f"Client {i:05d},+7 900 {i:07d}" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def host(platform: Reglament, disk: Path) -> Reglament:
    """Another app host or worker host: the same database, a disk of its own."""
    other = Reglament(platform.db, "test-secret", clock=platform.ctx.now)
    other.uploads = imports.Uploads(other.command, other.query, disk, other.ctx.now)
    return other


def queue(web: Reglament, actor: Actor, data: bytes) -> int:
    upload = web.clients.upload_clients_file(actor, "clients.csv", io.BytesIO(data))
    return web.clients.start_import(actor, upload.upload, {"Name": "name", "Phone": "phone"})


def test_the_web_only_queues_and_a_worker_on_another_host_imports(platform: Reglament, actors: dict[str, Actor],
                                                                  tmp_path: Path) -> None:
    web, worker_host = host(platform, tmp_path / "web"), host(platform, tmp_path / "worker")
    run_id = queue(web, actors["anna"], csv_file(2500))
    queued = web.clients.import_run(actors["anna"], run_id)
    assert (queued.status, queued.processed, queued.percent) == ("queued", 0, 0)
    assert client_count(web) == 0, "nothing is imported inside the web request"

    assert Worker(worker_host).run_imports() == 1
    done = web.clients.import_run(actors["anna"], run_id)
    assert (done.status, done.total, done.processed, done.imported) == ("done", 2500, 2500, 2500)
    assert client_count(web) == 2500
    assert all(c.owner == "anna" for c in web.clients.clients(actors["anna"])[:5])
    assert not web.clients.imports_waiting() and Worker(worker_host).run_imports() == 0, "an import runs once"
    assert not any((tmp_path / "worker").iterdir()), "the worker's copy of the file is gone"
    assert not any((tmp_path / "web").iterdir()), "the web host's copy of the file is gone"


def test_two_workers_never_claim_the_same_import(platform: Reglament, actors: dict[str, Actor], tmp_path: Path) -> None:
    run_id = queue(platform, actors["head"], csv_file(3))
    first, _ = imports.claim_next(platform.command, "worker-1", platform.ctx.now())
    second, _ = imports.claim_next(platform.command, "worker-2", platform.ctx.now())
    assert first is not None and first.run_id == run_id and second is None


def test_a_killed_workers_import_is_failed_with_exact_counts(platform: Reglament, actors: dict[str, Actor],
                                                            clock: Any, tmp_path: Path) -> None:
    head = actors["head"]
    run_id = queue(platform, head, csv_file(2500))
    claimed, _ = imports.claim_next(platform.command, "killed-worker", clock())
    assert claimed is not None
    # the killed worker committed its first batch, then died without a word
    path, _ = platform.uploads.get_for_import(claimed.upload_id)
    calls: list[int] = []

    def die_after_first_batch(processed: int, total: int) -> None:
        calls.append(processed)
        if len(calls) == 2:
            raise SystemExit("kill -9")

    try:
        imports.execute(platform.command, run_id, head, path, claimed.filename, claimed.mapping, clock,
                        die_after_first_batch)
    except SystemExit:
        pass
    # execute records its own failure; a process killed by the kernel never gets that far:
    # put the run back as a kill leaves it
    with platform.command() as s:
        repo.update_import_run(s, run_id, status="running", error=None, finished_at=None,
                               lease_owner="killed-worker", lease_until=clock() + imports.LEASE)
    assert not platform.clients.imports_waiting(), "the claim still holds"
    clock.advance(seconds=imports.LEASE.total_seconds() + 1)
    assert platform.clients.imports_waiting()
    Worker(platform).run_imports()
    run = platform.clients.import_run(head, run_id)
    assert run.status == "failed" and run.processed == 1000 and run.imported == 1000
    assert "ended after 1000 rows; 1000 clients were imported" in run.error
    assert client_count(platform) == 1000


def test_a_run_taken_from_a_slow_worker_stops_it(platform: Reglament, actors: dict[str, Actor], clock: Any) -> None:
    run_id = queue(platform, actors["head"], csv_file(3))
    claimed, _ = imports.claim_next(platform.command, "slow", clock())
    assert claimed is not None
    clock.advance(seconds=imports.LEASE.total_seconds() + 1)
    imports.claim_next(platform.command, "other", clock())  # finds the claim ran out: failed
    try:
        imports.renew(platform.command, run_id, "slow", clock())
    except Exception as exc:
        assert "taken from this worker" in str(exc)
    else:
        raise AssertionError("the slow worker kept a run that is no longer its own")


def test_an_upload_survives_the_loss_of_the_hosts_disk(platform: Reglament, actors: dict[str, Actor],
                                                       tmp_path: Path) -> None:
    web = host(platform, tmp_path / "a")
    preview = web.clients.upload_clients_file(actors["anna"], "clients.csv", io.BytesIO(csv_file(3)))
    for copy in (tmp_path / "a").iterdir():
        copy.unlink()
    again = host(platform, tmp_path / "b").clients.import_preview(actors["anna"], preview.upload, None)
    assert list(again.headers) == ["Name", "Phone"] and len(again.rows) == 3
