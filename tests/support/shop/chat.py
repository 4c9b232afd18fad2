"""The shop's rules (README, "Who may do what: the policy hook"): an order's
room (``parley.room_for(order)``) is read and written by the order's owner
and the shop's staff only, and closes for writing once delivered; staff
appear with the shop's name. Every other room keeps Parley's rules."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField
from django.db.models.functions import Cast

import parley
from tests.support.shop.models import Order


class Policy(parley.Policy):
    def can_see(self, user, room):
        order = parley.linked_object(room)
        if isinstance(order, Order):
            return user.is_authenticated and (
                user.is_staff or order.owner_id == user.pk
            )
        return super().can_see(user, room)

    def filter_visible(self, user, rooms):
        # can_see as one query: Parley's rule for rooms of their own, and
        # the orders' rooms this user may see.
        orders = {"parley_link__content_type": ContentType.objects.get_for_model(Order)}
        visible = super().filter_visible(user, rooms.exclude(**orders))
        if not user.is_authenticated:
            return visible
        theirs = rooms.filter(**orders)
        if not user.is_staff:
            keys = Order.objects.filter(owner_id=user.pk).annotate(
                key=Cast("pk", CharField())
            )
            theirs = theirs.filter(parley_link__object_id__in=keys.values("key"))
        return visible | theirs

    def can_post(self, user, room):
        order = parley.linked_object(room)
        if isinstance(order, Order) and order.status == "delivered":
            return False
        return super().can_post(user, room)

    def display(self, user):
        shown = super().display(user)
        if user.is_staff:
            return parley.Display(f"{shown.name} (Shop)", shown.avatar_url)
        return shown
