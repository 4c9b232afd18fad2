from django.apps import AppConfig


class ShopConfig(AppConfig):
    """A tiny shop that notifies through Parley (the README's example)."""

    name = "tests.support.shop"
    label = "shop"
    default_auto_field = "django.db.models.BigAutoField"
