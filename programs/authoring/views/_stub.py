"""Placeholder for routes being built (removed when every route has its view)."""

from django.http import Http404, HttpRequest, HttpResponse


def not_yet(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404
