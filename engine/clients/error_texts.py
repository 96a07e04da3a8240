"""What the client base tells people when it refuses (a client of another manager, a duplicate, a
merge, an import file), as codes with English templates (see engine.shared.notices): the web
shows them in the reader's language, the API keeps the English message. Every template renders
the English exactly as written before it had a code; a duplicate's reasons are nested notices."""
from __future__ import annotations

from engine.shared import notices
from engine.shared.texts import N_

ERRORS = {
    # records.py
    "client_unknown": N_("no client %(client_id)s"),
    "client_of_another_manager": N_("client %(client_id)s belongs to another manager"),
    "client_merged_into": N_("client %(client_id)s was merged into client %(survivor_id)s"),
    "client_change_analyst": N_("%(login)s may not %(action)s: reading clients is all an analyst may do"),
    "client_change_not_owner": N_("%(login)s may not %(action)s of client %(client_id)s: it belongs to another "
                                  "manager"),
    "client_back_to_queue": N_("only the head of sales may put a client back in the queue"),
    "client_give_to_another": N_("only the head of sales may give a client to another manager"),
    # a new client like existing ones: the reasons, each a nested notice, chained by client_duplicates_more
    "client_duplicates": N_("the client looks like one that exists: %(reasons)s. Check them; to create it all "
                            "the same, confirm “create anyway” (create_anyway: true)"),
    "client_duplicates_more": N_("%(first)s; %(rest)s"),
    "client_duplicate_as": N_("%(reason)s as #%(id)s %(name)s"),
    "client_duplicate_hidden": N_("%(reason)s as a client of another manager"),
    "client_duplicate_name": N_("a similar name"),
    "client_duplicate_tax_id": N_("the same tax id %(value)s"),
    "client_duplicate_phone": N_("the same phone %(value)s"),
    "client_duplicate_email": N_("the same e-mail %(value)s"),
    # contacts.py, merge.py, timeline.py
    "contact_person_unknown": N_("no contact person %(contact_id)s"),
    "merge_with_itself": N_("a client cannot be merged with itself"),
    "merge_forbidden": N_("%(login)s may not merge clients %(survivor_id)s and %(other_id)s: the head of sales "
                          "merges any clients, a manager only two of his own"),
    "merge_meanwhile": N_("one of the clients was merged a moment ago; reload the page"),
    "timeline_kinds": N_("unknown timeline kinds: %(unknown)s (known: %(known)s)"),
    "timeline_limit_range": N_("limit must be from 1 to %(limit)s"),
    # imports (imports.py, files.py)
    "import_mapping_shape": N_("the mapping must be an object of file column -> field"),
    "import_choose_file": N_("choose a file to import"),
    "import_unknown": N_("no import %(run_id)s"),
    "import_someone_elses": N_("import %(run_id)s is someone else's"),
    "import_file_kind": N_("%(filename)s: only CSV and XLSX files can be imported (.csv, .txt, .tsv, .xlsx)"),
    "import_csv_unreadable": N_("the file cannot be read as CSV: %(reason)s"),
    "import_csv_unreadable_after": N_("the file cannot be read as CSV after row %(row)s: %(reason)s"),
    "import_upload_gone": N_("no such uploaded file: upload it again"),
    "import_no_header": N_("the file has no header row: its first row must name the columns"),
    # an XLSX file that cannot be read (xlsx.py, xlsx_parts.py): a fixed reason is a nested notice,
    # what the zip or XML reader said stays its English
    "import_xlsx_unreadable": N_("the file cannot be read as XLSX: %(reason)s"),
    "xlsx_no_sheets": N_("it has no sheets"),
    "xlsx_no_active_sheet": N_("its active sheet is missing"),
    "xlsx_no_part": N_("it has no %(part)s"),
    "xlsx_missing_text": N_("row %(row)s refers to text %(index)s, which the file does not have"),
    "xlsx_doctype": N_("%(part)s declares a DOCTYPE"),
    "xlsx_no_element": N_("%(part)s does not start with an element"),
}
notices.define(ERRORS)
