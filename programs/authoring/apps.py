from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    """An organization's own programs: copies of shipped ones, drafts, published versions,
    history, guided recordings and the Markdown their materials are written in."""

    name = "programs.authoring"
    label = "authoring"
    verbose_name = "Program authoring"
    default_auto_field = "django.db.models.BigAutoField"
