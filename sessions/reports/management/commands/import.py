"""Import answers given on paper or by phone from a REDCap records file (manage.py import redcap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization, User
from sessions.questionnaires.models import ResponseMode
from sessions.reports.exchange.redcap_import import ImportProblems, redcap_import
from sessions.reports.exchange.redcap_names import ExchangeError

KINDS = ("redcap",)
MODES = {"phone": ResponseMode.PHONE, "in_person": ResponseMode.IN_PERSON}


class Command(BaseCommand):
    help = (
        "Import answers from a REDCap records file shaped like records.csv of `export redcap` "
        "(record_id, redcap_event_name, <form>_<item>, <form>_complete). Every line is checked "
        "first; a file with any problem imports nothing and lists each problem by line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="What to import: redcap.")
        parser.add_argument("file", help="The records file (CSV, UTF-8).")
        parser.add_argument(
            "--organization", required=True, help="The organization the participants are in (slug)."
        )
        parser.add_argument(
            "--user", help="E-mail address of the staff member importing, recorded as who entered."
        )
        parser.add_argument(
            "--mode",
            default="in_person",
            help="How the answers were given: in_person (default: on paper or face to face) or phone.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] not in KINDS:
            raise CommandError(f"Unknown kind “{options['kind']}”. Choose one of: redcap.")
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organization has the slug “{options['organization']}”.")
        user = None
        if options["user"]:
            user = User.objects.filter(email__iexact=options["user"]).first()
            if user is None:
                raise CommandError(f"No account has the e-mail address “{options['user']}”.")
        mode = MODES.get(options["mode"])
        if mode is None:
            raise CommandError(f"Unknown mode “{options['mode']}”. Choose in_person or phone.")
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"There is no file {path}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text; export it from REDCap as CSV.") from None
        try:
            result = redcap_import(organization=organization, text=text, by=user, mode=mode)
        except ImportProblems as exc:
            count = len(exc.problems)
            raise CommandError(
                f"Nothing was imported: {count} problem{'s' if count != 1 else ''} "
                f"in {path}.\n" + "\n".join(exc.problems)
            ) from exc
        except ExchangeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Imported {result.imported} response{'s' if result.imported != 1 else ''} from "
            f"{result.rows} line{'s' if result.rows != 1 else ''}; {result.unchanged} already "
            "sent with the same answers were left as they were."
        )
