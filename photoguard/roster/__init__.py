"""The opt-out roster: students, reading the Aspen export, importing it, full names."""
