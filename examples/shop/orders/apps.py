from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Customers and their orders; an order's status change notifies its
    customer through Parley, and `/order <number>` in a chat tells it."""

    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Parley: `/order 42` in a chat answers the order's status.
        import parley.commands
        from orders.chat import order_command

        parley.commands.register("order", order_command)
