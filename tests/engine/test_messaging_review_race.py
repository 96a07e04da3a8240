"""A message and the step that makes its cycle wait for it, at the same moment: one sees the other."""
from __future__ import annotations

import threading
from typing import Any

from conftest import bpmn_file
from cycle_helpers import complete, visible

from engine.regulation import received


def test_a_message_sent_while_a_step_makes_the_cycle_wait_is_delivered(platform, actors, monkeypatch) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("payment_message.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Race Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "payment_message")
    in_step, go_on = threading.Event(), threading.Event()
    real = received.deliver_kept

    def paused(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)  # the step saw no kept message; it has not committed yet
        if threading.current_thread().name == "step":
            in_step.set()
            go_on.wait(30)

    monkeypatch.setattr(received, "deliver_kept", paused)
    outcome: dict[str, Any] = {}

    def step() -> None:
        complete(platform, actors["anna"], cycle.id, "Task_SendInvoice", {})

    def message() -> None:
        try:
            outcome["message"] = platform.outside.receive_message(actors["admin"], "payment-received",
                                                                  cycle_id=cycle.id, variables={"paid": 1})
        except Exception as exc:  # shown by the assertion below
            outcome["message"] = exc

    stepping = threading.Thread(target=step, name="step")
    stepping.start()
    assert in_step.wait(30), "the step reached the point where it waits for the message"
    sending = threading.Thread(target=message, name="message")
    sending.start()
    sending.join(1.0)  # with the cycle locked first the message waits for the step here
    go_on.set()
    stepping.join(30)
    sending.join(30)
    assert not stepping.is_alive() and not sending.is_alive()
    message = outcome["message"]
    assert isinstance(message, received.MessageView) and message.state == "delivered", message
    assert platform.regulation.cycle(actors["anna"], cycle.id).variables["paid"] == 1
    assert visible(platform, actors["anna"], cycle.id) == ["Task_Thank"]
