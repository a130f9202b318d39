"""Tests that read what the cohort page shows, now that it comes in parts (one URL each)."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse

# Figures come before the schedule, as on the one-page cohort page the older tests read.
PART_NAMES = ["progress", "schedule", "people", "charts", "follow_ups", "definitions", "detail"]


def cohort_parts_get(client, pk: int) -> SimpleNamespace:
    """Every part of a cohort's page this app renders, each answered 200, as one text."""
    texts = []
    response = None
    for name in PART_NAMES:
        response = client.get(reverse(f"reports:cohort_{name}", args=[pk]))
        assert response.status_code == 200, name
        texts.append(response.text)
    # Every part renders the same page context (selectors.cohort.CohortPage).
    context = response.context if response is not None else None
    return SimpleNamespace(status_code=200, text="\n".join(texts), context=context)
