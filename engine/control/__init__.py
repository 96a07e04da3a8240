"""Control: contact norms, forgotten clients, incidents; dashboards and analytics."""
