"""What the regulation core tells people when it refuses a command on a task or a cycle (complete,
claim, release, cancel, suspend, migrate...), as codes with English templates (see
engine.shared.notices): the web shows them in the reader's language, the API keeps the English
message. Every template renders the English exactly as the command wrote it before it had a code;
ids, names and logins are parameters, a cycle's state is a nested notice (``cycle_is_<status>``)."""
from __future__ import annotations

from typing import Any

from engine.shared import notices
from engine.shared.notices import Notice
from engine.shared.texts import N_

ERRORS = {
    # tasks (engine/regulation/tasks.py)
    "task_unknown": N_("no task %(task_id)s"),
    "task_already_completed": N_("task '%(task)s' was already completed by %(actor)s at %(at)s UTC"),
    "task_closed_cancelled": N_("task '%(task)s' is no longer open (cancelled)"),
    "task_closed_passed": N_("task '%(task)s' is no longer open (passed)"),
    "task_closed": N_("task '%(task)s' is no longer open (%(event)s)"),
    "task_cycle_unknown": N_("no cycle for task %(task_id)s"),
    "task_cycle_not_active": N_("%(state)s; its tasks cannot be acted on"),
    "task_not_open_in_cycle": N_("task '%(task)s' is not open in its cycle"),
    "task_claimed_meanwhile": N_("task '%(task)s' was claimed by %(assignee)s in the meantime"),
    "task_assigned_to": N_("task '%(task)s' is assigned to %(assignee)s"),
    "task_of_groups": N_("task '%(task)s' belongs to the groups %(groups)s"),
    "task_already_assigned": N_("task '%(task)s' is already assigned to %(assignee)s"),
    "task_release_claimed": N_("task '%(task)s' was claimed by %(assignee)s; only they may release it"),
    "task_release_not_holder": N_("only the person who holds task '%(task)s' may release it"),
    "task_release_assigned": N_("task '%(task)s' is assigned by the regulation and cannot be released; ask the "
                                "head of sales to hand it over"),
    # a cycle's state, nested in the refusals below
    "cycle_is_active": N_("cycle %(cycle_id)s is active"),
    "cycle_is_won": N_("cycle %(cycle_id)s is won"),
    "cycle_is_lost": N_("cycle %(cycle_id)s is lost"),
    "cycle_is_incident": N_("cycle %(cycle_id)s is incident"),
    "cycle_is_cancelled": N_("cycle %(cycle_id)s is cancelled"),
    "cycle_is_suspended": N_("cycle %(cycle_id)s is suspended"),
    # operations on cycles (operations.py, variable_edits.py, moves.py, version_migration.py)
    "cycle_unknown": N_("no cycle %(cycle_id)s"),
    "cycle_reason_required": N_("give a reason: it is kept in the cycle's history"),
    "cycle_reason_too_long": N_("the reason is longer than %(limit)s characters"),
    "cycle_not_cancellable": N_("%(state)s; only a cycle that is active or incident or suspended can be cancelled"),
    "cycle_not_suspendable": N_("%(state)s; only a cycle that is active can be suspended"),
    "cycle_not_resumable": N_("%(state)s; only a cycle that is suspended can be resumed"),
    "cycle_not_editable": N_("%(state)s; only a cycle that is active or incident or suspended can be edited"),
    "cycle_not_modifiable": N_("%(state)s; only a cycle that is active or incident can be modified"),
    "cycle_not_migratable": N_("%(state)s; only a cycle that is active or incident or suspended can be migrated"),
    "variables_empty": N_("variables must be an object of name -> value with at least one entry"),
    "variables_too_many": N_("at most %(limit)s variables can be changed at once"),
    "variables_unchanged": N_("no variable changed its value"),
    # moving a token (moves.py): the message is also the field's problem
    "move_not_in_process": N_("%(element)s is not an element of the process the token at %(token)s is in"),
    "move_not_a_target": N_("a token cannot be started at %(element)s (%(kind)s): choose a task, an event or an "
                            "exclusive gateway"),
    "move_no_token": N_("the cycle has no token at %(element)s; it waits at %(elements)s"),
    "move_no_token_nothing": N_("the cycle has no token at %(element)s; it waits at nothing"),
    # reading cycles and the inbox (reading.py)
    "cycle_not_visible": N_("%(login)s may not see cycle %(cycle_id)s"),
    "cycle_status_filter": N_("status must be one of %(statuses)s"),
    "inbox_scope": N_("scope must be 'mine' or 'group', not %(scope)s"),
    "page_limit_range": N_("limit must be from 1 to %(limit)s"),
    # batches of operations (batches.py)
    "batch_kind": N_("kind must be one of %(kinds)s"),
    "batch_migration_version": N_("a migration needs to_version, the number of the target version"),
    "batch_too_many": N_("the filter holds more than %(limit)s cycles: narrow it"),
    "batch_no_cycle": N_("the filter holds no cycle"),
    "batch_unknown": N_("no batch %(batch_id)s"),
    # migrating cycles to another version (version_migration.py)
    "migration_plan_shape": N_("plan must be an object of at most %(limit)s old element -> new element or null"),
    "migration_needs_version": N_("choose the regulation and the version the cycles are on"),
    "migration_version_number": N_("to_version must be a version number"),
    "migration_version_unknown": N_("no version %(version)s of regulation %(regulation)s"),
    "migration_version_not_executable": N_("version %(version)s cannot run: cycles cannot migrate to it"),
    # regulations and their versions (versions.py, version_reads.py, operator_reads.py)
    "regulation_unknown": N_("no regulation %(key)s"),
    "regulation_unknown_deploy": N_("no regulation %(key)s; deploy it first"),
    "regulation_no_version": N_("regulation %(key)s has no version %(version)s"),
    "regulation_version_unknown": N_("no version %(version)s of regulation %(regulation)s"),
    "deploy_comment_too_long": N_("the comment must be at most %(limit)s characters"),
    # the deal board and the explorer's exports (board.py, explorer.py, explorer_export.py)
    "board_own_deals": N_("a manager's board shows his own deals"),
    "board_user_unknown": N_("no user %(login)s"),
    "export_variables_max": N_("at most %(limit)s variables can be exported"),
    "export_not_variable_names": N_("not variable names: %(names)s"),
    "export_xlsx_too_many": N_("the filter holds more than %(limit)s cycles, the most an XLSX file takes: narrow "
                               "the filter or export CSV"),
}
notices.define(ERRORS)


def cycle_state(cycle_id: Any, status: str) -> Notice | str:
    """"cycle 7 is won" as a nested notice (the English as written where the status is unknown)."""
    code = f"cycle_is_{status}"
    if code not in ERRORS:
        return f"cycle {cycle_id} is {status}"
    return Notice(code, {"cycle_id": str(cycle_id)})
