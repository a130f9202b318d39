"""Participant rights: downloading one's data, leaving a course, erasure (see services.py)."""
