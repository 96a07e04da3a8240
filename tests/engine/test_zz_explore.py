import json
from engine.platform import Reglament

def test_explore(platform: Reglament, actors) -> None:
    a = actors
    client = platform.create_client(a["anna"], "Acme")
    cyc = platform.start_cycle(a["anna"], client["id"], "new_client_sale")
    def task(actor, el):
        return next(t for t, _ in platform.inbox(actor, cycle_id=cyc["id"]) if t.element_id == el)
    t = task(a["anna"], "Task_QualificationCall")
    print(t.assignee, t.candidate_groups, t.lane, t.stage)
    c = platform.complete_task(a["anna"], t.id, {"contact_person": "Maria", "result": "qualified"})
    print(c["stage"], c["variables"])
    t = task(a["pavel"], "Task_PrepareDemo")
    print(t.assignee, t.candidate_groups, t.lane, t.stage)
    try:
        platform.claim_task(a["boris"], t.id)
    except Exception as e: print(type(e), e)
    platform.complete_task(a["pavel"], t.id, {"demo_date": "2026-12-01"})
    t = task(a["anna"], "Task_Presentation")
    try:
        platform.claim_task(a["boris"], t.id)
    except Exception as e: print("boris claim", type(e), e)
    c = platform.complete_task(a["anna"], t.id, {"result": "refused", "loss_reason": "Too pricey"})
    print(c["status"], c["outcome"], c["loss_reason"], c["stage"])
    for e in platform.history(a["anna"], cyc["id"]):
        print(json.dumps(e))
