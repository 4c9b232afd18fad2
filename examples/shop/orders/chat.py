"""The shop's slash command: ``/order 42`` in a chat answers the order's
status, to its customer and to staff only (anyone else learns nothing, not
even whether the order exists). Registered in ``OrdersConfig.ready``."""

from orders.models import Order
from parley.commands import CommandContext


def order_command(context: CommandContext) -> str:
    """``/order <number>``: the order's status, or a refusal."""
    number = context.args.removeprefix("#")
    order = (
        Order.objects.select_related("customer__user")
        .filter(number=int(number) if number.isdigit() else -1)
        .first()
    )
    user = context.user
    if order is None or not (user.is_staff or order.customer.user == user):
        return f"No order #{number} of yours."
    return f"Order #{order.number} is {order.status}."
