"""Programs, cohorts and enrollments arrive with the programs issue; the app exists so that
migrations and imports have their final home from the first commit."""
