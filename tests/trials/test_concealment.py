"""The sequence cannot be read before allocation: nothing a person can reach — pages, exports,
the admin, the log, the database's plain columns — changes when the sealed content of the unused
slots changes. So every observable is recorded twice, once with every unused slot sealed as one
arm and once as the other, and the two records must be identical."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.urls import NoReverseMatch, reverse

from sessions.reports.exports.scope import ExportScope
from sessions.reports.exports.trials import TRIAL_TABLES
from sessions.trials.models import (
    Allocation,
    AllocationCorrection,
    AllocationSlot,
    Screening,
    Study,
    StudyArm,
)
from sessions.trials.sealing import SlotContent, seal, unseal
from sessions.trials.services.allocation import randomize
from tests.factories import UserFactory, staff_totp_ensure
from tests.reauthentication import record_reauthentication
from tests.trials.allocation_helpers import make_study, ready_enrollment

pytestmark = pytest.mark.django_db

VOLATILE = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
    re.compile(r'nonce="[^"]+"'),
    # The idle sign-out countdown ticks between two renders.
    re.compile(r'-left="\d+"'),
]


def _normal(text: str) -> str:
    for pattern in VOLATILE:
        text = pattern.sub("", text)
    return text


def _reseal_unused(study: Study, arm_code: str) -> None:
    for slot in AllocationSlot.objects.filter(study=study, used_at__isnull=True):
        content = unseal(
            study_id=study.pk,
            stratum_key=slot.stratum_key,
            position=slot.position,
            sealed=slot.sealed,
        )
        slot.sealed = seal(
            study_id=study.pk,
            stratum_key=slot.stratum_key,
            position=slot.position,
            content=SlotContent(arm=arm_code, block=content.block, block_size=content.block_size),
        )
        slot.save(update_fields=["sealed"])


def _plain_columns() -> list[tuple]:
    """Every non-sealed column of every trials table, read with plain SQL."""
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        tables = [
            t for t in connection.introspection.table_names(cursor) if t.startswith("trials_")
        ]
        for table in sorted(tables):
            columns = [
                c.name
                for c in connection.introspection.get_table_description(cursor, table)
                if c.name != "sealed"
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
            rows += [(table, *map(str, row)) for row in cursor.fetchall()]
    return rows


def _optional_urls(study: Study) -> list[str]:
    urls = []
    for name, kwargs in [
        ("trials:screening_list", {}),
        ("reports:study_results", {"pk": study.pk}),
        ("reports:study_consort", {"pk": study.pk}),
    ]:
        try:
            urls.append(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            continue
    return urls


def _observe(client, study, coordinator, operator, waiting, caplog) -> dict[str, object]:
    seen: dict[str, object] = {}
    caplog.clear()
    client.force_login(coordinator)
    record_reauthentication(client, coordinator)
    allocation = Allocation.objects.filter(study=study).first()
    pages = [
        reverse("trials:study_list"),
        reverse("trials:study_detail", args=[study.pk]),
        reverse("trials:study_randomize", args=[study.pk, waiting.pk]),
        reverse("trials:allocation_correct", args=[allocation.pk]),
        *_optional_urls(study),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = _normal(response.content.decode())
    scope = ExportScope(cohorts=study.cohorts.all())
    for kind, tables in TRIAL_TABLES.items():
        seen[f"export:{kind}"] = [list(table.rows()) for table in tables(scope)]
    client.force_login(waiting.user)
    seen["participant home"] = _normal(
        client.get(reverse("reports:participant_home")).content.decode()
    )
    client.force_login(operator)
    for model in (Study, StudyArm, Allocation, AllocationCorrection, Screening):
        name = f"admin:trials_{model._meta.model_name}"
        try:
            changelist = reverse(f"{name}_changelist")
        except NoReverseMatch:
            continue
        seen[changelist] = _normal(client.get(changelist).content.decode())
        for obj in model.objects.all():
            url = reverse(f"{name}_change", args=[obj.pk])
            seen[url] = _normal(client.get(url).content.decode())
    seen["columns"] = _plain_columns()
    seen["log"] = [record.getMessage() for record in caplog.records]
    return seen


def test_nothing_reachable_changes_with_the_sealed_sequence(client, caplog):
    caplog.set_level(logging.DEBUG)
    study = make_study(strata=("sex", "site"))
    cohort = study.cohorts.get()
    coordinator = study.created_by
    for sex in ("female", "male"):
        randomize(
            enrollment=ready_enrollment(cohort, answers={"sex": sex, "site": "remote"}),
            by=coordinator,
        )
    waiting = ready_enrollment(cohort)
    operator = UserFactory(is_staff=True, is_superuser=True)
    staff_totp_ensure(operator)
    first, second = (arm.code for arm in study.arms.all())

    _reseal_unused(study, first)
    as_first = _observe(client, study, coordinator, operator, waiting, caplog)
    _reseal_unused(study, second)
    as_second = _observe(client, study, coordinator, operator, waiting, caplog)

    assert as_first.keys() == as_second.keys()
    for key in as_first:
        assert as_first[key] == as_second[key], key
    # And the sealed column itself holds no readable arm.
    for slot in AllocationSlot.objects.filter(study=study):
        raw = bytes(slot.sealed)
        assert first.encode() not in raw
        assert second.encode() not in raw


def test_the_slot_table_is_not_in_the_admin(client):
    operator = UserFactory(is_staff=True, is_superuser=True)
    staff_totp_ensure(operator)
    client.force_login(operator)
    with pytest.raises(NoReverseMatch):
        reverse("admin:trials_allocationslot_changelist")
    index = client.get(reverse("admin:index")).content.decode()
    assert "Allocation slots" not in index


def test_the_admin_cannot_add_change_or_delete_allocations(client):
    study = make_study()
    allocation = randomize(enrollment=ready_enrollment(study.cohorts.get()), by=study.created_by)
    operator = UserFactory(is_staff=True, is_superuser=True)
    staff_totp_ensure(operator)
    client.force_login(operator)
    change = reverse("admin:trials_allocation_change", args=[allocation.pk])
    page = client.get(change).content.decode()
    assert 'name="_save"' not in page
    other = study.arms.exclude(pk=allocation.arm_id).get()
    client.post(change, {"arm": other.pk})
    assert Allocation.objects.get().arm_id == allocation.arm_id
    assert client.get(reverse("admin:trials_allocation_add")).status_code == 403
    assert (
        client.post(reverse("admin:trials_allocation_delete", args=[allocation.pk])).status_code
        == 403
    )
    assert Allocation.objects.count() == 1


def test_a_slot_sealed_for_one_place_does_not_open_in_another():
    study = make_study()
    slot, other = AllocationSlot.objects.filter(study=study).order_by("position")[:2]
    from sessions.trials.sealing import SealBroken

    with pytest.raises(SealBroken):
        unseal(
            study_id=study.pk,
            stratum_key=other.stratum_key,
            position=other.position,
            sealed=slot.sealed,
        )
