"""Forms of the sessions app, one module per audience: staff pages (staff.py), participant pages (participant.py)."""
