"""The incidents the engine writes on a cycle, as codes with English templates (see
engine.shared.notices): the web shows them in the reader's language, the API gives code,
parameters and this English text."""
from __future__ import annotations

from engine.shared import notices
from engine.shared.texts import N_

INCIDENTS = {
    # whatever a step raised that has no code of its own: its text as it came
    "step_failed": N_("%(detail)s"),
    "stalled": N_("The engine cannot continue this cycle: %(reason)s"),
    "stall_too_deep": N_("the cycle's task tree is %(depth)s levels deep; SpiffWorkflow stops seeing tasks at "
                         "%(limit)s levels, so the cycle was stopped before it could stall"),
    "stall_unreachable": N_("task '%(task)s' is ready but the engine cannot reach it in the cycle's task tree"),
    "stall_not_run": N_("step '%(task)s' is ready but SpiffWorkflow did not run it"),
    "stall_no_end": N_("the cycle stopped: no open task, timer or message waits and the regulation did not "
                       "reach an end event"),
    "timer_failed": N_("timer job failed: %(detail)s"),
    "external_failed": N_("external task '%(task)s' (topic %(topic)s) failed with no retries left: %(error)s"),
    "no_message": N_("no message"),
    "external_bpmn_error": N_("external task '%(task)s' reported BPMN error %(code)s; no error boundary event "
                              "catches it"),
    "external_bpmn_error_said": N_("external task '%(task)s' reported BPMN error %(code)s (%(message)s); no error "
                                   "boundary event catches it"),
    "uncaught_error": N_("Error %(code)s was thrown and no boundary event or event subprocess catches it; the "
                         "cycle stopped here (fix the regulation or the data, then retry)"),
    "uncaught_error_by": N_("Error %(code)s was thrown by '%(task)s' and no boundary event or event subprocess "
                            "catches it; the cycle stopped here (fix the regulation or the data, then retry)"),
    "scripts_not_run": N_("Scripts are not run by Reglament: regulations may not contain code"),
    "services_not_run": N_("Service calls are not run by Reglament: regulations may not call code"),
    "cannot_evaluate": N_("Cannot evaluate %(expression)s: %(reason)s"),
    "name_not_defined": N_("'%(name)s' is not defined for expression '%(expression)s'"),
    "expression_syntax": N_("Syntax error in expression %(expression)s: %(reason)s"),
    # the step's budget (engine/regulation/steps.py); ``limit`` is a nested problem_texts.limit notice
    "limit_live_tokens": N_("The cycle would hold %(tokens)s open or waiting tasks at once (parallel branches or "
                            "instances); %(limit)s"),
    "limit_cycle_tasks": N_("The cycle's state would hold %(total)s tasks; %(limit)s"),
    "limit_step_tasks": N_("The step ran %(count)s engine tasks (gateways, events, calls) without reaching a task "
                           "for a person or a timer: the regulation probably loops on itself near %(task)s; "
                           "%(limit)s"),
    "limit_step_seconds": N_("The step ran for over %(seconds)s s (stopped at %(task)s); %(limit)s"),
    "limit_call_depth": N_("Call activities are nested %(depth)s deep at %(task)s: the calls probably call each "
                           "other; %(limit)s"),
    "limit_task_depth": N_("The cycle's path is %(depth)s tasks deep at %(task)s: the regulation loops without a "
                           "task for a person or a timer; %(limit)s"),
    "limit_cardinality": N_("Loop cardinality %(expression)s of %(task)s is %(count)s: a multi-instance activity "
                            "runs at most %(most)s instances; %(limit)s"),
    "limit_parallel": N_("%(count)s parallel instances of %(task)s would make the cycle hold %(tokens)s open or "
                         "waiting tasks at once; %(limit)s"),
}
notices.define(INCIDENTS)
