from django import template
from django.core.exceptions import ObjectDoesNotExist

from programs.models import Program

register = template.Library()


@register.filter(name="program_label")
def program_label(program: Program) -> str:
    """“Our MBSR, version 2” for a version of an organization's own program, so staff see which
    version a cohort runs; a shipped program's name as it is. Free of queries when the program
    was fetched with select_related("program__version__line")."""
    if program.organization_id is None:
        return program.name
    try:
        version = program.version
    except ObjectDoesNotExist:
        return program.name
    return f"{version.line.name}, {version.label}"
