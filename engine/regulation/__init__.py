"""The regulation core: BPMN diagrams, versions, the runtime, cycles, tasks, timers, decisions."""
