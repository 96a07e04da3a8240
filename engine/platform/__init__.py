"""The composition root: area services over one unit of work, and the worker."""
