"""Cursor pagination for every API list: stable under inserts, opaque, in id order."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from sessions.api.records import MAX_ID


class ApiCursorPagination(CursorPagination):
    """Pages in the order rows were made (id); `cursor` comes from a page's next/previous link.

    A cursor that was not made here names no page: 404, as DRF answers.
    """

    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    page_size_query_description = "How many rows a page holds (1 to 500; 100 unless given)."
    max_page_size = 500
    cursor_query_description = "Where the page starts: copy it from the `next` or `previous` link."
    invalid_cursor_message = "This cursor is not one we made; follow the next or previous link."

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return super().get_page_size(request)

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor: Cursor | None = super().decode_cursor(request)
        # The position is an id we wrote; anything else would reach the database as a filter.
        if cursor is not None and cursor.position is not None:
            position = str(cursor.position)
            if not (position.isdigit() and int(position) <= MAX_ID):
                raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = super().get_paginated_response_schema(schema)
        found["required"] = ["next", "previous", "results"]
        return found
