"""Names Django calls by convention, which vulture cannot see being used (`make architecture`).

Never imported or run: vulture reads it beside the code (pyproject.toml, [tool.vulture]); each
bare name below counts as a use of that name.
"""
# ruff: noqa: B018, F821

# Middleware.process_view(request, view_func, view_args, view_kwargs): Django passes all four.
view_args
view_kwargs
# A system check's signature: Django passes app_configs (None for "every app").
app_configs
