from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParleyConfig(AppConfig):
    name = "parley"
    verbose_name = _("Parley")
    default_auto_field = "django.db.models.BigAutoField"
