"""The bulk seed (sessions/demo/bulk.py) makes exactly the rows the services make.

Forty demo participants are seeded twice on a frozen clock, once one by one through the
services and once through the bulk path, and every row of every table is compared: each row's
fields, with every foreign key replaced by what the row it points at holds (so the database's
ids, which differ between the two runs, do not count). Only the person codes, drawn at random,
are compared by who has one rather than by their letters, and ids inside text left out.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from accounts.demo import demo_people_ensure
from accounts.models import User
from programs.models import Cohort, PersonCode
from sessions.demo import courses, courses_bulk
from sessions.demo.courses import demo_courses_ensure
from sessions.notifications.models import Notification
from sessions.questionnaires.models import Response, SafetyEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 18)
# Drawn at random on both paths: person codes (programs/person_codes.py) are compared by whose
# they are, password hashes (salted) and authenticator secrets (encrypted) by who has one.
RANDOM_FIELDS = {(PersonCode, "code"), (User, "password"), (Authenticator, "data")}
# Text that holds database ids ("safety_alert:<event id>:<user id>"): compared without them.
IDS_IN_TEXT = {(Notification, "dedupe_key")}


class _Undo(Exception):
    pass


class _Snapshot:
    """Every row of every table, ids replaced by content, as a multiset per table."""

    def __init__(self) -> None:
        self._memo: dict[tuple[type[models.Model], Any], Any] = {}
        self._rows: dict[type[models.Model], dict[Any, dict[str, Any]]] = {}

    def _table(self, model: type[models.Model]) -> dict[Any, dict[str, Any]]:
        if model not in self._rows:
            self._rows[model] = {
                row["pk"]: row for row in model._default_manager.values("pk", *_fields(model))
            }
        return self._rows[model]

    def key(self, model: type[models.Model], pk: Any) -> Any:
        if pk is None:
            return None
        if (model, pk) not in self._memo:
            self._memo[(model, pk)] = "…"  # a row that points back at itself
            self._memo[(model, pk)] = self.row(model, self._table(model)[pk])
        return self._memo[(model, pk)]

    def row(self, model: type[models.Model], row: dict[str, Any]) -> tuple:
        values = []
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name == "id" or (model, field.name) in RANDOM_FIELDS:
                continue
            value = row[field.attname]
            if field.is_relation and isinstance(field.related_model, type):
                value = self.key(field.related_model, value)
            elif (model, field.name) in IDS_IN_TEXT:
                value = re.sub(r"\d+", "#", value)
            elif isinstance(value, dict | list):
                value = json.dumps(value, sort_keys=True, default=str)
            values.append((field.name, value))
        return tuple(values)

    def take(self) -> dict[str, Counter]:
        return {
            model._meta.label: Counter(self.row(model, row) for row in self._table(model).values())
            for model in apps.get_models()
        }


def _fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def _seed(*, bulk: bool, participants: int = 40) -> dict[str, Counter]:
    try:
        with transaction.atomic(), time_machine.travel(NOW, tick=False):
            people = demo_people_ensure(participants=participants)
            demo_courses_ensure(people=people, today=TODAY, bulk=bulk)
            snapshot = _Snapshot().take()
            raise _Undo
    except _Undo:
        return snapshot


def test_bulk_seed_makes_the_same_rows_as_the_services(monkeypatch):
    through_services = _seed(bulk=False)
    # Small batches, so the forty people cross batch boundaries as ten thousand do.
    monkeypatch.setattr(courses, "GROUPS_PER_BATCH", 2)
    monkeypatch.setattr(courses_bulk, "ONE_TO_ONE_PER_BATCH", 4)
    in_bulk = _seed(bulk=True)
    # Something to compare: answers, history and a safety event were made.
    assert sum(through_services[Response._meta.label].values()) > 100
    assert sum(through_services["questionnaires.HistoricalResponse"].values()) == 3 * sum(
        through_services[Response._meta.label].values()
    )
    assert sum(through_services[SafetyEvent._meta.label].values()) == 1
    counts = {label: sum(rows.values()) for label, rows in through_services.items()}
    assert {label: sum(rows.values()) for label, rows in in_bulk.items()} == counts
    differences = {
        label: _difference(rows, in_bulk[label])
        for label, rows in through_services.items()
        if in_bulk[label] != rows
    }
    assert not differences


def _difference(expected: Counter, got: Counter) -> str:
    missing = list((expected - got).elements())[:2]
    extra = list((got - expected).elements())[:2]
    return f"\n  only through the services: {missing}\n  only in bulk: {extra}"


def test_more_people_later_in_bulk_match_the_services_too():
    # A larger --participants only places the new people, on either path.
    def grow(*, bulk: bool) -> dict[str, Counter]:
        try:
            with transaction.atomic(), time_machine.travel(NOW, tick=False):
                demo_courses_ensure(
                    people=demo_people_ensure(participants=7), today=TODAY, bulk=bulk
                )
                demo_courses_ensure(
                    people=demo_people_ensure(participants=23), today=TODAY, bulk=bulk
                )
                snapshot = _Snapshot().take()
                raise _Undo
        except _Undo:
            return snapshot

    assert grow(bulk=True) == grow(bulk=False)


def test_seed_demo_in_bulk_twice_changes_nothing(settings):
    settings.DEBUG = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", participants=40)
        first = _Snapshot().take()
        call_command("seed_demo", participants=40)
        again = _Snapshot().take()
    # accounts/demo.py saves each staff membership again on every run (update_or_create), which
    # adds a change-history row each time; every other table stays exactly as it was.
    membership_history = "accounts.HistoricalMembership"
    assert sum(again.pop(membership_history).values()) == 2 * sum(
        first.pop(membership_history).values()
    )
    assert again == first


def test_bulk_seed_queries_grow_with_cohorts_not_participants():
    def queries_and_cohorts(participants: int) -> tuple[int, int]:
        try:
            with transaction.atomic(), time_machine.travel(NOW, tick=False):
                people = demo_people_ensure(participants=participants)
                with CaptureQueriesContext(connection) as queries:
                    demo_courses_ensure(people=people, today=TODAY)
                counted = (len(queries), Cohort.objects.count())
                raise _Undo
        except _Undo:
            return counted

    queries_40, cohorts_40 = queries_and_cohorts(40)
    queries_120, cohorts_120 = queries_and_cohorts(120)
    # 80 more people: six more groups of ten (each made with its schedule by the services,
    # about 33 queries) and 20 more one-to-one people (nothing more: written with the rest).
    assert cohorts_120 - cohorts_40 == 6
    assert queries_120 - queries_40 <= 40 * (cohorts_120 - cohorts_40)
