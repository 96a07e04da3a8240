"""The client base every function reads: records, duplicates, contacts, timeline, import and export."""
