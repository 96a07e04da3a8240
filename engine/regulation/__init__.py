"""The regulation core: BPMN diagrams, versions, the runtime, cycles, tasks, timers, decisions."""
from engine.regulation import problem_texts  # noqa: F401  (a deploy problem's codes, wherever one is read)
