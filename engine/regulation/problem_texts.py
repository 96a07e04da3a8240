"""What a deploy says about a diagram (engine.shared.errors.Problem): each refusal or warning as a
code and its English template, registered with ``notices.define`` so that the web shows it in the
reader's language (``make extract`` finds the ``N_`` texts; the Russian is in the catalogue).

Parameters are what the diagram says (ids, names, expressions, numbers, already quoted as the
English shows them: ``'task_1'``); a part of a message that is itself English prose (a reason, a
limit, the forms a value may take) is a nested ``Notice``, translated in turn. Every template
renders the English exactly as the deploy checks wrote it before they had codes (tests and API
clients match the text)."""
from __future__ import annotations

from datetime import timedelta

from engine.shared.errors import ReglamentError
from engine.shared.notices import Notice, define, notice_of
from engine.shared.texts import N_

PROBLEMS = {
    # the document (engine/regulation/xml.py parse_document, inspect; versions.py)
    "document_too_large": N_("%(filename)s is %(size)s bytes; the limit is %(limit)s bytes"),
    "document_empty": N_("%(filename)s is empty"),
    "document_dtd_refused": N_("%(filename)s declares a DTD or entities, which are refused for safety; "
                               "remove the <!DOCTYPE> block"),
    "document_not_well_formed": N_("%(filename)s is not well-formed XML: %(reason)s"),
    "document_unreadable": N_("%(filename)s cannot be read: %(reason)s"),
    "document_not_bpmn": N_("%(filename)s is not a BPMN 2.0 document (root element is %(root)s, "
                            "expected bpmn:definitions)"),
    "document_nested_too_deeply": N_("%(filename)s is nested too deeply to read"),
    "document_no_process": N_("%(filename)s has no process"),
    "document_no_executable_process": N_("%(filename)s has no executable process "
                                         "(set isExecutable=\"true\" on the process to run)"),
    "regulation_bpmn_files": N_("a regulation is one BPMN file (with any DMN files); got %(count)s BPMN files"),
    "process_id_invalid": N_("the process id becomes the regulation's key: use at most 200 letters, digits, "
                             "'_', '-' or '.', starting with a letter"),
    "spiff_cannot_use": N_("SpiffWorkflow cannot use this diagram: %(reason)s"),
    "construct_unsupported": N_("the diagram uses a construct Reglament cannot run (%(error)s: %(reason)s)"),
    "called_process_diagram_only": N_("a call activity calls %(process)s, which is stored as a diagram only "
                                      "and cannot run"),
    "version_diagram_only": N_("regulation %(key)s version %(version)s is stored as a diagram only "
                               "and cannot run"),
    # what would run code (xml.py)
    "script_task_refused": N_("scriptTask refused: script tasks run code, which uploaded regulations may not "
                              "do; replace it with a user task or a business rule (DMN) task"),
    "service_task_refused": N_("serviceTask refused: service tasks call code or external systems, which "
                               "uploaded regulations may not do; replace it with a user task"),
    "code_attribute_refused": N_("camunda:%(attribute)s refused: it would run code"),
    "execution_listener_refused": N_("camunda:executionListener refused: execution listeners run code"),
    "task_listener_refused": N_("camunda:taskListener refused: task listeners run code"),
    "embedded_script_refused": N_("camunda:script refused: embedded scripts run code"),
    "connector_refused": N_("camunda:connector refused: connectors call external systems"),
    "spiff_script_refused": N_("spiffworkflow:%(extension)s refused: it would run code"),
    # external tasks (external_spec.py)
    "external_wrong_element": N_("camunda:type=\"external\" on a %(element)s is not something Camunda 7 runs; "
                                 "put it on a service, send or business rule task"),
    "external_no_topic": N_("external task has no camunda:topic: workers fetch their work by topic"),
    "external_topic_too_long": N_("external task topic is longer than %(limit)s characters"),
    # flows, events, calls (xml.py)
    "condition_language_unsupported": N_("condition language %(language)s is not supported; "
                                         "write a plain expression"),
    "outcome_unknown": N_("outcome %(outcome)s is not known; use 'won' or 'lost'"),
    "call_activity_case_ref": N_("call activity calls a CMMN case (camunda:caseRef): Reglament runs BPMN "
                                 "processes only"),
    "call_activity_no_called_element": N_("call activity has no calledElement (the process it calls): "
                                          "Camunda 7 refuses it too"),
    "conditional_event_no_condition": N_("conditional event has no condition: Camunda 7 refuses it too "
                                         "(\"Conditional event must contain an expression\")"),
    # expressions (xml.py, io_mappings.py; the reason is the expression checker's)
    "condition_empty": N_("condition is empty"),
    "condition_invalid": N_("condition: %(reason)s"),
    "expression_empty": N_("%(what)s is empty"),
    "expression_invalid": N_("%(what)s: %(reason)s"),
    # user task forms (xml.py)
    "form_field_id_invalid": N_("form field %(field)s: the id must start with a letter and hold only letters, "
                                "digits and '_' (it becomes a cycle variable)"),
    "form_field_twice": N_("form field %(field)s appears twice"),
    "form_field_type_unsupported": N_("form field %(field)s has type %(type)s; supported types are %(types)s"),
    "form_field_enum_no_values": N_("form field %(field)s is an enum with no values"),
    "form_constraint_validator_refused": N_("form field %(field)s: constraint validator refused: a Java "
                                            "validator class or bean would run code"),
    "form_constraint_unsupported": N_("form field %(field)s: constraint %(constraint)s is not supported; "
                                      "use %(constraints)s"),
    "form_constraint_not_number": N_("form field %(field)s: constraint %(constraint)s needs a number, "
                                     "got %(config)s"),
    "form_constraint_required_if": N_("form field %(field)s: constraint required_if needs another field of "
                                      "this form, like result=refused; got %(config)s"),
    # a user task's run-time values (expression_checks.py): the attribute, then the reason
    "user_task_assignee": N_("assignee: %(reason)s"),
    "user_task_candidate_groups": N_("candidate groups: %(reason)s"),
    "user_task_candidate_users": N_("candidate users: %(reason)s"),
    "user_task_due_date": N_("due date: %(reason)s"),
    "user_task_follow_up_date": N_("follow-up date: %(reason)s"),
    "user_task_due_property": N_("property due: %(reason)s"),
    "value_empty": N_("is empty"),
    "attribute_empty": N_("is empty; remove the attribute or name someone"),
    "date_expression_not_date": N_("%(value)s gives %(result)s, which is not a date or a duration; write an "
                                   "ISO-8601 date (2026-12-31), date and time (2026-12-31T17:00:00Z), duration "
                                   "from the task's start (P2D, PT4H, P1W) or an expression such as "
                                   "${dateTime().plusDays(2).toDate()}"),
    "date_not_date": N_("%(value)s is not a date or a duration; write an ISO-8601 date (2026-12-31), date and "
                        "time (2026-12-31T17:00:00Z), duration from the task's start (P2D, PT4H, P1W) or an "
                        "expression such as ${dateTime().plusDays(2).toDate()}"),
    "due_not_duration": N_("%(value)s is not an ISO-8601 duration such as P2D, PT4H or P1W"),
    "names_empty_item": N_("%(value)s has an empty name; separate names with single commas"),
    "assignee_several": N_("%(value)s: a task has one assignee; use candidateUsers for several people"),
    "name_invalid": N_("%(value)s is not a name; write a login or group name, or an expression such as "
                       "${owner}"),
    "name_too_long": N_("%(value)s... is %(length)s characters long; the limit is %(limit)s"),
    # timers (expression_checks.py, structure.py)
    "timer_problem": N_("timer %(kind)s: %(reason)s"),
    "timer_empty": N_("is empty; write %(forms)s"),
    "timer_expression_not_value": N_("%(value)s gives %(result)s; write %(forms)s"),
    "timer_value_invalid": N_("%(value)s is not %(forms)s"),
    "timer_forms_duration": N_("an ISO-8601 duration (PT48H, P3D) or an expression giving one, such as "
                               "${wait}"),
    "timer_forms_date": N_("an ISO-8601 date and time (2026-12-31T09:00:00Z), a duration from now (PT5M, as "
                           "Camunda reads it) or an expression giving one, such as "
                           "${dateTime().plusDays(1).toDate()}"),
    "timer_forms_cycle": N_("a repetition R<n>/<duration> (R3/PT1H, R/P1D), a cron expression as Camunda "
                            "writes it (0 0 9 ? * MON-FRI) or an expression giving one"),
    "cron_unreadable": N_("cron %(cron)s: %(reason)s"),
    "cron_too_often": N_("cron %(cron)s fires every %(seconds)s s, more often than a repeating timer may "
                         "fire; %(limit)s"),
    "cron_never_fires": N_("cron %(cron)s never fires"),
    "timer_cycle_too_often": N_("timer cycle %(cycle)s repeats every %(seconds)s s, more often than a "
                                "repeating timer may fire; %(limit)s"),
    # limits (structure.py; engine/regulation/limits.py names them)
    "limit_is": N_("the limit is %(value)s (%(name)s)"),
    "limit_hours": N_("%(count)s h"),
    "limit_minutes": N_("%(count)s min"),
    "limit_seconds": N_("%(count)s s"),
    "loop_cardinality_over_limit": N_("loop cardinality %(value)s is over the limit: a multi-instance "
                                      "activity runs at most %(max)s instances; %(limit)s"),
    "fan_out_over_limit": N_("%(element)s splits into %(branches)s parallel branches; %(limit)s"),
    "call_cycle_own_process": N_("call activity calls its own process %(called)s: calls may not form a "
                                 "cycle, such a cycle never ends (call path %(route)s)"),
    "call_cycle": N_("call activity calls %(called)s, which leads back to %(process)s: calls may not form a "
                     "cycle, such a cycle never ends (call path %(route)s)"),
    "call_not_deployed_yet": N_("call activity calls %(called)s, which is neither in this file nor "
                                "deployed: a cycle that reaches it goes into incident until a regulation "
                                "with process %(called)s is deployed, then retrying the cycle runs the call"),
    # Camunda semantics (conformance.py)
    "compensation_unsupported": N_("compensation is not supported: Reglament does not undo completed work; "
                                   "model the correction as ordinary tasks (for example a task on an error "
                                   "path)"),
    "error_end_event_no_ref": N_("an error end event needs an errorRef (the error it throws); Camunda "
                                 "refuses it too"),
    "error_no_code": N_("the error %(error)s it throws has no errorCode; set one (Camunda 7 refuses it too)"),
    "reference_wrong_kind": N_("%(attribute)s %(ref)s names a bpmn:%(kind)s, not a bpmn:%(target)s; declare "
                               "<bpmn:%(target)s id=\"%(id)s\"> or pick an existing one (Camunda 7 refuses "
                               "it too)"),
    "reference_missing": N_("%(attribute)s %(ref)s names nothing in this file, not a bpmn:%(target)s; "
                            "declare <bpmn:%(target)s id=\"%(id)s\"> or pick an existing one (Camunda 7 "
                            "refuses it too)"),
    "link_catch_twice": N_("two link catch events are named %(name)s in one scope ('%(other)s' too); a link "
                           "name must be unique"),
    "link_no_catch": N_("link event %(name)s has no link catch event of that name in the same process or "
                        "subprocess: the path would end here"),
    "lane_nameless": N_("user task is in lane '%(lane)s', which has no name: a lane's name is the group that "
                        "sees its tasks, so nobody would see it; name the lane or set camunda:assignee or "
                        "camunda:candidateGroups"),
    "start_event_missing": N_("%(scope)s must define a startEvent element (Camunda 7 refuses it too)"),
    "subprocess_start_events": N_("multiple start events are not supported for a subprocess (Camunda 7 "
                                  "refuses it too)"),
    "subprocess_start_event_kind": N_("%(definition)s is not allowed on the start event of an embedded "
                                      "subprocess (Camunda 7 refuses it too)"),
    "message_nameless": N_("the message %(message)s it waits for has no name: a message event needs a named "
                           "message to be correlated (Camunda 7 refuses it too)"),
    "nested_event_subprocess": N_("an error or escalation event subprocess inside an embedded subprocess is "
                                  "not supported (it would not be triggered); put it at the process level or "
                                  "catch the error with a boundary event on the subprocess"),
    # variable mappings (io_mappings.py)
    "io_parameter_no_name": N_("an input/output parameter has no name"),
    "io_parameter_invalid": N_("input/output parameter: %(reason)s"),
    "call_mapping_incomplete": N_("camunda:%(mapping)s needs source (or sourceExpression) and target, or "
                                  "variables=\"all\" (Camunda 7 refuses it too)"),
    # signals (signal_spec.py)
    "signal_no_name": N_("the signal has no name: signals reach the cycles that wait for the same name"),
    "signal_name_expression": N_("signal name %(name)s is an expression; Reglament routes signals by literal "
                                 "names: name the signal as written in every event that throws or catches it"),
    "signal_name_too_long": N_("the signal name is longer than %(limit)s characters"),
    "signal_no_ref": N_("the signal event names no signal (signalRef): add a bpmn:signal with a name and "
                        "refer to it"),
    "signal_ref_unknown": N_("signalRef %(ref)s names no bpmn:signal of this file"),
    # decisions (decisions/catalogue.py, decisions/rule_tasks.py)
    "dmn_file_invalid": N_("%(filename)s: %(reason)s"),
    "decision_in_two_files": N_("decision %(decision)s is in both %(first)s and %(second)s: a decision id "
                                "names one decision"),
    "rule_task_problem": N_("business rule task %(task)s: %(reason)s"),
    "rule_task_no_decision_ref": N_("it has no camunda:decisionRef: name the id of the DMN decision it "
                                    "evaluates"),
    "rule_task_binding_unknown": N_("camunda:decisionRefBinding %(binding)s is not one of %(bindings)s"),
    "rule_task_version_missing": N_("camunda:decisionRefBinding 'version' needs camunda:decisionRefVersion "
                                    "(Camunda refuses it too)"),
    "rule_task_version_tag_missing": N_("camunda:decisionRefBinding 'versionTag' needs "
                                        "camunda:decisionRefVersionTag (Camunda refuses it too)"),
    "rule_task_tenant_unsupported": N_("camunda:decisionRefTenantId is not supported: Reglament has no "
                                       "tenants"),
    "rule_task_mapping_unknown": N_("camunda:mapDecisionResult %(mapping)s is not one of %(mappings)s"),
    "rule_task_result_variable_invalid": N_("camunda:resultVariable %(variable)s is not a variable name "
                                            "(letters, digits and '_')"),
    "rule_task_decision_unusable": N_("decision %(decision)s (%(file)s) cannot be used: %(reason)s"),
    "rule_task_mapping_one_output": N_("mapDecisionResult %(mapping)s needs a decision with one output; "
                                       "%(decision)s has %(outputs)s"),
    "decision_not_deployed_version": N_("decision %(decision)s is in no DMN file of this deploy nor in a "
                                        "regulation deployed earlier: a cycle that reaches the task goes into "
                                        "incident until the DMN file is deployed"),
    "decision_version_tag": N_(" with camunda:versionTag %(tag)s"),
    "decision_not_deployed_known": N_("decision %(decision)s%(tagged)s is in no DMN file of this deploy (it "
                                      "has %(known)s) nor in a regulation deployed earlier: a cycle that "
                                      "reaches the task goes into incident until the DMN file is deployed"),
    "decision_not_deployed_no_dmn": N_("decision %(decision)s%(tagged)s is in no DMN file of this deploy (it "
                                       "has no DMN file) nor in a regulation deployed earlier: a cycle that "
                                       "reaches the task goes into incident until the DMN file is deployed"),
    "decision_not_in_deployment_known": N_("decision %(decision)s%(tagged)s is in no DMN file of this deploy "
                                           "(it has %(known)s): a cycle that reaches the task goes into "
                                           "incident until the DMN file is deployed"),
    "decision_not_in_deployment_no_dmn": N_("decision %(decision)s%(tagged)s is in no DMN file of this deploy "
                                            "(it has no DMN file): a cycle that reaches the task goes into "
                                            "incident until the DMN file is deployed"),
}
define(PROBLEMS)


def limit(name: str, value: object) -> Notice:
    """``limits.describe(name, value)`` as a notice: ``the limit is 1,000 (MAX_LOOP_CARDINALITY)`` (a number
    stays a number, shown in the reader's way; a duration is a notice of its unit)."""
    shown: object
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        if seconds % 3600 == 0:
            shown = Notice("limit_hours", {"count": str(seconds // 3600)})
        elif seconds % 60 == 0:
            shown = Notice("limit_minutes", {"count": str(seconds // 60)})
        else:
            shown = Notice("limit_seconds", {"count": str(seconds)})
    elif isinstance(value, int) and not isinstance(value, bool):
        shown = value  # English: "1,000", as Notice shows an int
    else:
        shown = str(value)
    return Notice("limit_is", {"value": shown, "name": name})


def reason(exc: ReglamentError) -> Notice | str:
    """Why a check failed, as its exception says it: its notice when it has one (translated in
    turn), else its English text."""
    found = notice_of(exc)
    return found if found is not None and found.text == exc.message else exc.message
