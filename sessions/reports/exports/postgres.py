"""The responses table through PostgreSQL's COPY ... TO STDOUT: the database writes the CSV.

The long format has one row per item answer, often millions; expanding the JSON answers in
Python costs far more than letting PostgreSQL do it (jsonb_each_text) and stream CSV back
through the same connection. The result is byte for byte what the portable path in responses.py
writes (same rows, order, escaping and quoting; tests/integration/test_exports_postgresql.py
compares them), so SQLite and PostgreSQL exports differ only in speed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db import connection

from accounts.models import User
from programs.models import Cohort, Enrollment, MeasurementPoint, PersonCode, Program
from sessions.questionnaires.models import Assessment, Response
from sessions.reports.exports.scope import ExportScope, Progress


def _text(expression: str) -> str:
    """SQL that treats text as cells.cell() does: XML-illegal characters dropped, formula signs escaped."""
    cleaned = f"regexp_replace({expression}, '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f]', '', 'g')"
    return (
        f"(CASE WHEN left({cleaned}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"THEN '''' || {cleaned} ELSE {cleaned} END)"
    )


def _sql(identifiable: bool) -> str:
    response = Response._meta.db_table
    assessment = Assessment._meta.db_table
    enrollment = Enrollment._meta.db_table
    cohort = Cohort._meta.db_table
    program = Program._meta.db_table
    point = MeasurementPoint._meta.db_table
    user = User._meta.db_table
    person = PersonCode._meta.db_table
    who = (
        # The account's name only once the person accepted the enrollment; before, what the
        # coordinator typed (as Enrollment.person_full_name).
        f"{_text('CASE WHEN e.accepted_at IS NOT NULL THEN u.full_name ELSE e.invited_name END')}"
        f" AS full_name, {_text('u.email')} AS email, "
        if identifiable
        else ""
    )
    who_out = "r.full_name, r.email, " if identifiable else ""
    # Table names come from the models, never from input; the only value is bound (%s): the
    # enrollments in file order (ExportScope.enrollment_order), whose position is the sort key,
    # so participant codes sort naturally exactly as on the portable path.
    return f"""
        COPY (
            WITH r AS MATERIALIZED (
                SELECT
                    row_number() OVER (
                        ORDER BY o.pos, a.opens_at, a.id, x.instrument
                    ) AS ord,
                    {_text("e.participant_code")} AS code,
                    {who}
                    {_text("pc.code")} AS person,
                    {_text("p.name")} AS program,
                    {_text("c.name")} AS cohort,
                    {_text("e.arm")} AS arm,
                    {_text("mp.code")} AS point,
                    {_text("x.instrument")} AS instrument,
                    {_text("x.instrument_version")} AS version,
                    to_char(x.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                        AS submitted,
                    {_text("x.mode")} AS mode,
                    x.answers
                FROM {response} x
                JOIN {assessment} a ON a.id = x.assessment_id
                JOIN {enrollment} e ON e.id = a.enrollment_id
                JOIN unnest(%s::bigint[]) WITH ORDINALITY AS o(id, pos) ON o.id = e.id
                JOIN {cohort} c ON c.id = e.cohort_id
                JOIN {program} p ON p.id = c.program_id
                JOIN {point} mp ON mp.id = a.measurement_point_id
                JOIN {user} u ON u.id = e.user_id
                LEFT JOIN {person} pc ON pc.organization_id = c.organization_id
                                     AND pc.user_id = e.user_id
                WHERE x.submitted_at IS NOT NULL
                  AND NOT EXISTS (
                      SELECT 1 FROM {response} newer
                      WHERE newer.assessment_id = x.assessment_id
                        AND newer.instrument = x.instrument
                        AND newer.version > x.version
                        AND newer.submitted_at IS NOT NULL
                  )
            )
            SELECT r.code, {who_out}r.person, r.program, r.cohort, r.arm, r.point, r.instrument,
                   r.version, item.key::int, item.value, r.submitted, r.mode
            FROM r CROSS JOIN LATERAL jsonb_each_text(r.answers::jsonb) AS item
            ORDER BY r.ord, item.key::int
        ) TO STDOUT WITH (FORMAT csv)
    """  # noqa: S608


def responses_copy_body(scope: ExportScope) -> Callable[[Progress], Iterator[bytes]] | None:
    """The COPY producer of the responses CSV body on PostgreSQL; None elsewhere (portable path)."""
    if connection.vendor != "postgresql":
        return None

    def body(progress: Progress) -> Iterator[bytes]:
        enrollment_ids = scope.enrollment_order
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the psycopg cursor under Django's wrapper
            with cursor.copy(_sql(scope.identifiable), (enrollment_ids,)) as copy:
                for data in copy:
                    yield bytes(data)
            progress.rows += max(cursor.rowcount, 0)

    return body


__all__ = ["responses_copy_body"]
