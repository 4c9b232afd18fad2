import importlib
from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.utils.translation import gettext_lazy as _


def restore_search_triggers(*, using: str, **kwargs: Any) -> None:
    """After ``migrate``, re-create the triggers that keep SQLite's search
    index up to date (``CREATE TRIGGER IF NOT EXISTS``; migration
    ``0010_search``). Django rebuilds a table for most column changes on
    SQLite (a copy, then ``DROP TABLE``), and the old table's triggers go
    with it; the index itself keeps its rows, as ids are kept. Nothing to do
    on PostgreSQL (a generated column) or before 0010 has run."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    search = importlib.import_module("parley.migrations.0010_search")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s",
            ["parley_message_fts"],
        )
        if cursor.fetchone() is not None:
            for statement in search.SQLITE_TRIGGERS:
                cursor.execute(statement)


class ParleyConfig(AppConfig):
    name = "parley"
    verbose_name = _("Parley")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect the receivers that close sockets whose sign-in ended
        (``parley.services.sessions``), that keep each username's
        skeleton (``parley.services.names``) and that keep SQLite's search
        index's triggers after a migration (``restore_search_triggers``),
        and register the system checks of a host project's settings
        (``parley.checks``)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.core import checks as django_checks
        from django.db.models.signals import post_delete, post_migrate, post_save

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
        post_migrate.connect(
            restore_search_triggers, sender=self, dispatch_uid="parley.search"
        )
