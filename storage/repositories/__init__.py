"""Named queries, one module per area. Repositories read and add; they never commit."""
