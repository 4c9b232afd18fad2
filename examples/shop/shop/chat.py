"""Who may do what in the shop's conversations (``PARLEY_POLICY`` in
settings.py): the room of an order (``parley.room_for(order)``) is its
customer's and the staff's, and staff appear as the shop. Every other room
keeps Parley's own rules."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField
from django.db.models.functions import Cast
from orders.models import Order

import parley


class Policy(parley.Policy):
    def can_see(self, user, room):
        order = parley.linked_object(room)
        if isinstance(order, Order):
            return user.is_authenticated and (
                user.is_staff or order.customer.user_id == user.pk
            )
        return super().can_see(user, room)

    def filter_visible(self, user, rooms):
        # The room lists: can_see's answer for many rooms, in one query.
        orders = {"parley_link__content_type": ContentType.objects.get_for_model(Order)}
        visible = super().filter_visible(user, rooms.exclude(**orders))
        if not user.is_authenticated:
            return visible
        theirs = rooms.filter(**orders)
        if not user.is_staff:
            keys = Order.objects.filter(customer__user_id=user.pk).annotate(
                key=Cast("pk", CharField())
            )
            theirs = theirs.filter(parley_link__object_id__in=keys.values("key"))
        return visible | theirs

    def display(self, user):
        shown = super().display(user)
        if user.is_staff:
            return parley.Display(f"{shown.name} (shop)", shown.avatar_url)
        return shown
