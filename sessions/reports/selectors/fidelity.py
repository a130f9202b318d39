"""The adherence page: how closely held sessions followed their checklists of core elements, per
cohort, per session (the facilitator's and an observer's rating side by side) and per facilitator.

Who sees which cohorts is sessions.reports.selectors.access (coordinators: their organization's;
facilitators: their own), a `?cohort=` they may not see is 404. The page makes a fixed number of
queries however many cohorts, sessions and ratings there are: the cohorts, their held sessions
(or, for the overview, a count of them per cohort) and the ratings, each read once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from programs.models import Cohort, Delivery
from sessions.models import FidelityRating, RaterRole, ScheduledSession
from sessions.pages.fidelity import adherence_text
from sessions.reports.selectors.access import ReportAccess, report_access
from sessions.services.fidelity import Adherence, FidelityAdherence, fidelity_adherence

__all__ = ["FidelityPage", "adherence_label", "fidelity_page_for_staff"]


def adherence_label(adherence: Adherence | None) -> str:
    """“4 of 5 core elements (80%) over 1 session”, or “Not rated” without ratings."""
    if adherence is None or not adherence.ratings:
        return "Not rated"
    sessions = f"{adherence.ratings} session{'' if adherence.ratings == 1 else 's'}"
    return f"{adherence_text(adherence.done, adherence.total)} over {sessions}"


def _rating_label(rating: FidelityRating | None) -> str:
    if rating is None:
        return "Not rated"
    return adherence_text(rating.items_done, rating.items_total)


@dataclass(frozen=True)
class SessionRow:
    session: ScheduledSession
    facilitator: str
    observer: str
    facilitator_rating: FidelityRating | None
    observer_rating: FidelityRating | None


@dataclass
class CohortSection:
    cohort: Cohort
    sessions_held: int
    facilitator: str
    observer: str
    rated: int  # held sessions with the facilitator's rating
    rows: list[SessionRow] = field(default_factory=list)


@dataclass(frozen=True)
class FacilitatorRow:
    person: User
    own: str
    observed: str


@dataclass(frozen=True)
class FidelityPage:
    access: ReportAccess
    cohort: Cohort | None
    sections: list[CohortSection]
    facilitators: list[FacilitatorRow]
    export_csv: str
    export_xlsx: str

    def as_context(self) -> dict[str, object]:
        return {
            "access": self.access,
            "cohort": self.cohort,
            "sections": self.sections,
            "facilitators": self.facilitators,
            "export_csv": self.export_csv,
            "export_xlsx": self.export_xlsx,
        }


def _export_urls(cohort: Cohort | None) -> tuple[str, str]:
    url = reverse("reports:export_download", args=["fidelity"])
    query = {"cohort": str(cohort.pk)} if cohort is not None else {}
    return (
        url + "?" + urlencode({**query, "format": "csv"}),
        url + "?" + urlencode({**query, "format": "xlsx"}),
    )


def _facilitator_rows(summary: FidelityAdherence) -> list[FacilitatorRow]:
    people = {
        r.facilitator_id: r.facilitator
        for r in summary.ratings
        if r.facilitator_id is not None and r.facilitator is not None
    }
    return [
        FacilitatorRow(
            person=person,
            own=adherence_label(summary.by_facilitator[pk].get(RaterRole.FACILITATOR)),
            observed=adherence_label(summary.by_facilitator[pk].get(RaterRole.OBSERVER)),
        )
        for pk, person in sorted(
            people.items(), key=lambda item: (item[1].display_name.lower(), item[0])
        )
    ]


def fidelity_page_for_staff(*, user: User, cohort: str | None, now: dt.datetime) -> FidelityPage:
    """Adherence in the cohorts `user` reports on, or in the one `cohort` (raw `?cohort=`) names."""
    access = report_access(user=user, cohort=cohort)
    cohorts = access.cohorts.exclude(program__delivery=Delivery.SELF_GUIDED).order_by(
        "program__name", "start_date", "name", "pk"
    )
    chosen = None
    if cohort:
        # report_access has checked the raw value (digits, a cohort they may see) or raised 404.
        chosen = access.cohorts.select_related("program").get(pk=int(cohort))
        cohorts = cohorts.filter(pk=chosen.pk)
    cohort_list = list(cohorts)
    ids = [c.pk for c in cohort_list]
    held = ScheduledSession.objects.held(now).filter(cohort_id__in=ids)
    summary = fidelity_adherence(cohort_ids=ids)
    sections = {c.pk: CohortSection(c, 0, "", "", 0) for c in cohort_list}
    if chosen is not None:
        # One cohort: each held session with its two ratings side by side.
        for session in held.select_related("program_session", "enrollment").order_by(
            "starts_at", "pk"
        ):
            section = sections[session.cohort_id]
            section.sessions_held += 1
            own = summary.rating_of(session.pk, RaterRole.FACILITATOR)
            observed = summary.rating_of(session.pk, RaterRole.OBSERVER)
            section.rated += own is not None
            section.rows.append(
                SessionRow(session, _rating_label(own), _rating_label(observed), own, observed)
            )
    else:
        counts = dict(
            held.order_by()
            .values("cohort_id")
            .annotate(n=Count("pk"))
            .values_list("cohort_id", "n")
        )
        for pk, section in sections.items():
            section.sessions_held = counts.get(pk, 0)
            section.rated = summary.by_cohort[pk][RaterRole.FACILITATOR].ratings
    for pk, section in sections.items():
        section.facilitator = adherence_label(summary.by_cohort[pk].get(RaterRole.FACILITATOR))
        section.observer = adherence_label(summary.by_cohort[pk].get(RaterRole.OBSERVER))
    csv_url, xlsx_url = _export_urls(chosen)
    return FidelityPage(
        access=access,
        cohort=chosen,
        sections=list(sections.values()),
        facilitators=_facilitator_rows(summary),
        export_csv=csv_url,
        export_xlsx=xlsx_url,
    )
