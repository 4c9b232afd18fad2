"""The customer's pages: their orders, and one order with a link to its
conversation with the shop (the order's Parley room, ``parley.room_for``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

import parley
from orders.models import Order


@login_required
def order_list(request):
    orders = Order.objects.filter(customer__user=request.user).order_by("-number")
    return render(request, "orders/order_list.html", {"orders": orders})


@login_required
def order_detail(request, number: int):
    """An order, for its customer or the staff, with a link to its room
    (made on first use; shop/chat.py says who may read it)."""
    orders = Order.objects.all()
    if not request.user.is_staff:
        orders = orders.filter(customer__user=request.user)
    order = get_object_or_404(orders, number=number)
    room = parley.room_for(order, title=f"Order #{order.number}")
    return render(
        request, "orders/order_detail.html", {"order": order, "room": room.slug}
    )
