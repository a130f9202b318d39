"""The coordinator's API page (tokens: make, show once, revoke), the schema and the docs page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def api_page(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def api_token_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def api_token_revoke_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    raise Http404


def schema_view(request: HttpRequest) -> HttpResponse:
    raise Http404


def docs_view(request: HttpRequest) -> HttpResponse:
    raise Http404
