"""The regulation core: BPMN diagrams, versions, the runtime, cycles, tasks, timers, decisions."""
from engine.regulation import (
    incident_texts,  # noqa: F401  (an incident's codes, wherever one is read)
    problem_texts,  # noqa: F401  (a deploy problem's codes, wherever one is read)
)
