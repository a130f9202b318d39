"""Export completion, participants, responses or outcomes from the command line (CSV or XLSX),
or the questionnaires and answers for other systems: a FHIR Bundle (fhir) or REDCap files (redcap)."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization, User
from programs.models import Cohort, Program
from sessions.reports.exchange.fhir_bundle import fhir_export
from sessions.reports.exchange.redcap_export import FILES as REDCAP_FILES
from sessions.reports.exchange.redcap_export import redcap_export
from sessions.reports.exchange.redcap_names import ExchangeError
from sessions.reports.exports import (
    FILES,
    FORMATS,
    KINDS,
    ExportError,
    ExportOutput,
    ExportScope,
    export_start,
)

# Exports for other systems, written by sessions.reports.exchange rather than as tables.
EXCHANGE_KINDS = ("fhir", "redcap")


class Command(BaseCommand):
    help = (
        "Export completion, participants, responses or outcomes as CSV (to stdout or --output) "
        "or XLSX (--output); fhir writes a FHIR R4 Bundle (JSON) to --output FILE and redcap "
        "REDCap's data dictionary, events and records into --output DIR. Pseudonymous: "
        "participant codes only. Every run is recorded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=f"What to export: {', '.join((*KINDS, *EXCHANGE_KINDS))}.")
        parser.add_argument("--format", default="csv", help="csv (default) or xlsx.")
        parser.add_argument("--cohort", type=int, help="Only this cohort (its id).")
        parser.add_argument("--program", help="Only the cohorts of this program (its slug).")
        parser.add_argument("--organization", help="Only this organization's cohorts (its slug).")
        parser.add_argument(
            "--file",
            help="Responses only: one of its files (responses, scores, dictionary) as plain CSV "
            "instead of a zip of all three.",
        )
        parser.add_argument("--output", help="Write to this file instead of standard output.")
        parser.add_argument(
            "--user", help="E-mail address of the person running the export, for the record."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Check the choices, record the export and write its bytes."""
        kind, fmt = options["kind"], options["format"]
        exchange = kind in EXCHANGE_KINDS
        if exchange:
            self._check_exchange(kind, options)
        elif kind not in KINDS:
            raise CommandError(f"Unknown kind “{kind}”. Choose one of: {', '.join(KINDS)}.")
        if not exchange and fmt not in FORMATS:
            raise CommandError(f"Unknown format “{fmt}”. Choose csv or xlsx.")
        file = options["file"]
        output_path = options["output"]
        several = not exchange and fmt == "csv" and kind in FILES and not file
        if not exchange and fmt == "xlsx" and not output_path:
            raise CommandError("An XLSX workbook needs --output FILE (it is not text).")
        if several and not output_path:
            raise CommandError(
                f"The {kind} export is a zip of several CSV files: give --output FILE, or "
                f"--file {'|'.join(FILES[kind])} for one of them on standard output."
            )

        cohorts = Cohort.objects.all()
        filters: dict[str, object] = {}
        organization = None
        if options["organization"]:
            organization = Organization.objects.filter(slug=options["organization"]).first()
            if organization is None:
                raise CommandError(f"No organization has the slug “{options['organization']}”.")
            cohorts = cohorts.filter(organization=organization)
            filters["organization"] = organization.slug
        if options["program"]:
            program = Program.objects.filter(slug=options["program"]).first()
            if program is None:
                slugs = ", ".join(Program.objects.order_by("slug").values_list("slug", flat=True))
                raise CommandError(
                    f"No program has the slug “{options['program']}”. Programs: {slugs or 'none'}."
                )
            cohorts = cohorts.filter(program=program)
            filters["program"] = program.slug
        if options["cohort"] is not None:
            cohort = cohorts.select_related("organization").filter(pk=options["cohort"]).first()
            if cohort is None:
                raise CommandError(
                    f"No cohort {options['cohort']}"
                    + (" matches the other filters." if filters else " exists.")
                )
            cohorts = cohorts.filter(pk=cohort.pk)
            organization = organization or cohort.organization
            filters["cohort"] = cohort.pk
            filters["cohort_name"] = cohort.name
        if file:
            filters["file"] = file

        user = None
        if options["user"]:
            user = User.objects.filter(email__iexact=options["user"]).first()
            if user is None:
                raise CommandError(f"No account has the e-mail address “{options['user']}”.")

        scope = ExportScope(cohorts=cohorts, pooled=options["cohort"] is None)
        if exchange:
            self._exchange(kind, scope, Path(output_path), user, organization, filters)
            return
        try:
            output = export_start(
                user=user,
                organization=organization,
                kind=kind,
                fmt=fmt,
                scope=scope,
                filters=filters,
                file=file,
                source="command",
            )
        except ExportError as exc:
            raise CommandError(str(exc)) from exc

        if output_path:
            with Path(output_path).open("wb") as target:
                self._write(output, target)
            record = output.record
            rows = record.row_count if record else None
            self.stderr.write(f"Wrote {rows} rows to {output_path} ({output.filename}).")
        else:
            # CSV is UTF-8 text; decoded incrementally, as a chunk may end inside a character.
            decoder = codecs.getincrementaldecoder("utf-8")()
            for chunk in output.chunks or ():
                self.stdout.write(decoder.decode(chunk), ending="")
            self.stdout.write(decoder.decode(b"", final=True), ending="")
            self.stdout.flush()

    def _check_exchange(self, kind: str, options: dict[str, Any]) -> None:
        if options["file"]:
            raise CommandError(f"--file is for the responses export; {kind} has no choice of file.")
        if options["format"] != "csv":
            raise CommandError(
                f"The {kind} export has one format ({'JSON' if kind == 'fhir' else 'CSV files'}); "
                "leave out --format."
            )
        if not options["output"]:
            where = "FILE (a JSON file)" if kind == "fhir" else "DIR (a folder for its files)"
            raise CommandError(f"The {kind} export needs --output {where}.")

    def _exchange(
        self,
        kind: str,
        scope: ExportScope,
        output: Path,
        user: User | None,
        organization: Organization | None,
        filters: dict[str, object],
    ) -> None:
        if kind == "redcap" and output.exists() and not output.is_dir():
            raise CommandError(f"{output} is a file; the redcap export needs a folder.")
        if kind == "fhir" and (output.is_dir() or not output.parent.is_dir()):
            raise CommandError(f"{output} is not a file in an existing folder.")
        try:
            if kind == "fhir":
                count = fhir_export(
                    scope=scope,
                    output=output,
                    user=user,
                    organization=organization,
                    filters=filters,
                )
                self.stderr.write(f"Wrote a FHIR Bundle with {count} responses to {output}.")
            else:
                count = redcap_export(
                    scope=scope,
                    output=output,
                    user=user,
                    organization=organization,
                    filters=filters,
                )
                self.stderr.write(
                    f"Wrote {', '.join(REDCAP_FILES)} to {output} ({count} records rows)."
                )
        except ExchangeError as exc:
            raise CommandError(str(exc)) from exc

    def _write(self, output: ExportOutput, target: BinaryIO) -> None:
        if output.chunks is not None:
            for chunk in output.chunks:
                target.write(chunk)
        elif output.file is not None:
            with output.file:
                shutil.copyfileobj(output.file, target)
        target.flush()
