"""The customer's pages: their orders, and one order with a link to its
conversation with the shop (a Parley room)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from orders.models import Order


def chat_room(order: Order) -> str:
    """The slug of the Parley room where ``order`` is discussed."""
    return f"order-{order.number}"


@login_required
def order_list(request):
    orders = Order.objects.filter(customer__user=request.user).order_by("-number")
    return render(request, "orders/order_list.html", {"orders": orders})


@login_required
def order_detail(request, number: int):
    order = get_object_or_404(Order, number=number, customer__user=request.user)
    return render(
        request, "orders/order_detail.html", {"order": order, "room": chat_room(order)}
    )
