"""The /api/v1/ endpoints."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from sessions.api.base import ApiMixin


class ApiRootView(ApiMixin, APIView):
    """The endpoints this token may call."""

    def get(self, request: Request) -> Response:
        return Response({"cohorts": reverse("api_root", request=request) + "cohorts/"})
