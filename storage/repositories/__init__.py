"""Named queries, one module per area. Repositories read and add; they never commit."""

# registered with the first repository used: the flush listener that keeps the stage entries'
# manager and segment true whatever code changes a client's owner or segment (stage_entries.follow)
from storage.repositories import stage_entries as _stage_entries  # noqa: F401
