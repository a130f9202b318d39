"""Views of the sessions app, one module per audience: staff, participant, calendar feeds."""
