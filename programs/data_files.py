"""Data files checked against a JSON Schema: the instruments (programs/instruments) and the
screening forms (programs/screening). One reader, so both say what is wrong the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

# JSON Schema counts true and false as integers (as Python does); a data file never means that.
StrictValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)


def read_json(path: Path, error: type[Exception]) -> Any:
    """The file's JSON; `error` with the path and the line and column of a mistake."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc


def schema_validator(schema_path: Path, error: type[Exception]) -> Any:
    """A validator for the schema file; `error` if the schema itself is broken."""
    schema = read_json(schema_path, error)
    try:
        StrictValidator.check_schema(schema)
    except Exception as exc:  # SchemaError; any failure here is a broken schema file
        raise error(f"{schema_path}: not a valid JSON Schema: {exc}") from exc
    return StrictValidator(schema)


def read_checked(path: Path, validator: Any, error: type[Exception], *, count: bool = False) -> Any:
    """The file's JSON once it meets the schema; else `error` naming where and what is wrong
    (with `count`, also how many other schema problems there are)."""
    data = read_json(path, error)
    errors = list(validator.iter_errors(data))
    if errors:
        found = best_match(errors)
        where = found.json_path if found.path else "top level"
        more = f" (and {len(errors) - 1} more schema problems)" if count and len(errors) > 1 else ""
        raise error(f"{path}: {where}: {found.message}{more}")
    return data
