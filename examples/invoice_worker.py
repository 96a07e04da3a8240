"""An outside worker for the demo regulation: accounting's system issues the invoice (topic ``issue-invoice``).

It uses the unchanged Camunda 7 external-task client from PyPI against Reglament's /engine-rest:

    pip install camunda-external-task-client-python3==4.5.0 pydantic
    REGLAMENT_URL=http://127.0.0.1:5000 REGLAMENT_LOGIN=admin REGLAMENT_PASSWORD=demo python examples/invoice_worker.py

The login needs the role owner, head or admin (give the integration its own account). Each fetched
task is one signed contract whose regulation chose "Invoice issued by: Accounting's system"; the
worker "issues" an invoice (here: makes up its number) and completes the task with
``invoice_number``. When the client pays, accounting tells Reglament with a Camunda-style message:

    curl -u admin:demo -H 'Content-Type: application/json' http://127.0.0.1:5000/engine-rest/message \\
      -d '{"messageName": "payment-received",
           "correlationKeys": {"invoice_number": {"value": "INV-...", "type": "String"}},
           "processVariables": {"paid_amount": {"value": 1140000, "type": "Long"}}}'

and the sale is won. ``--once`` handles what is there and exits (the tests run it so).
"""
from __future__ import annotations

import argparse
import os
import warnings
from datetime import UTC, datetime
from typing import Any

TOPIC = "issue-invoice"


def issue_invoice(task: Any) -> Any:
    """Accounting's side: issue the invoice and answer with its number (a real worker calls 1C here)."""
    client = task.get_variable("client_name") or "client"
    number = f"INV-{datetime.now(UTC):%Y%m%d}-{task.get_process_instance_id()}"
    print(f"issuing invoice {number} for {client}")
    return task.complete({"invoice_number": number})


def worker(base_url: str, login: str, password: str, worker_id: str = "accounting-1c") -> Any:
    with warnings.catch_warnings():  # the client's pydantic models use v1-style validators
        warnings.simplefilter("ignore", DeprecationWarning)
        from camunda.external_task.external_task_worker import ExternalTaskWorker
    return ExternalTaskWorker(worker_id, base_url=base_url.rstrip("/") + "/engine-rest",
                              config={"auth_basic": {"username": login, "password": password}, "maxTasks": 10,
                                      "lockDuration": 60_000, "asyncResponseTimeout": 20_000, "retries": 3,
                                      "retryTimeout": 30_000, "sleepSeconds": 10})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="handle the tasks waiting now, then exit")
    args = parser.parse_args()
    work = worker(os.environ.get("REGLAMENT_URL", "http://127.0.0.1:5000"),
                  os.environ.get("REGLAMENT_LOGIN", "admin"), os.environ.get("REGLAMENT_PASSWORD", "demo"))
    if args.once:
        work.fetch_and_execute(TOPIC, issue_invoice)
    else:
        work.subscribe(TOPIC, issue_invoice)


if __name__ == "__main__":
    main()
