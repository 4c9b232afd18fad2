from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParleyConfig(AppConfig):
    name = "parley"
    verbose_name = _("Parley")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect the receivers that close sockets whose sign-in ended
        (``parley.services.sessions``) and that keep each username's
        skeleton (``parley.services.names``), and register the system checks
        of a host project's settings (``parley.checks``)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.core import checks as django_checks
        from django.db.models.signals import post_delete, post_save

        from parley import checks
        from parley.services import names, sessions

        for check in checks.ALL:
            django_checks.register(check)

        user_model = get_user_model()
        user_logged_out.connect(sessions.signed_out, dispatch_uid="parley.sessions")
        post_save.connect(
            sessions.user_saved, sender=user_model, dispatch_uid="parley.sessions"
        )
        post_save.connect(
            names.user_saved, sender=user_model, dispatch_uid="parley.names"
        )
        post_delete.connect(
            sessions.user_deleted, sender=user_model, dispatch_uid="parley.sessions"
        )
