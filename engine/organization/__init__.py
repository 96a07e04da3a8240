"""Organization: segments, teams, absences, distribution of clients, hand-over."""
