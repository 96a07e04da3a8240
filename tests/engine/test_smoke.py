from engine.platform.root import Reglament


def test_anna_sees_her_qualification_call_after_starting_a_cycle(platform: Reglament, actors) -> None:
    client = platform.clients.create_client(actors["anna"], "Acme")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale")
    assert cycle.status == "active" and cycle.stage == "Qualification"
    names = [t.name for t, _ in platform.regulation.inbox(actors["anna"], scope="mine")]
    assert names == ["Qualification call"]
