from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Customers and their orders; an order's status change notifies its
    customer through Parley."""

    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"
