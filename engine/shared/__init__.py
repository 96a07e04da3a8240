"""The shared kernel: clock, calendar days and periods, errors, actors and their permissions, settings."""
