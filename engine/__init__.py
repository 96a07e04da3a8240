"""The platform's logic around SpiffWorkflow: regulations, cycles, tasks, access."""
