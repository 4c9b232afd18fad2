"""Customers and orders: the host project's own models, which Parley does
not know. A new order or a changed status notifies the customer."""

from django.conf import settings
from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse

import parley


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    STATUSES = [
        ("placed", "placed"),
        ("shipped", "shipped"),
        ("delivered", "delivered"),
    ]

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="orders"
    )
    number = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=20, choices=STATUSES, default="placed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_status = self.status  # what the database holds

    def __str__(self) -> str:
        return f"Order #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("order", args=[self.number])


@receiver(post_save, sender=Order)
def tell_the_customer(sender, instance: Order, created: bool, **kwargs) -> None:
    """Notify the customer of a new order or a changed status: their open
    tabs get it once the transaction commits (the bell on Parley's pages)."""
    if created or instance.status != instance.saved_status:
        parley.notify(
            instance.customer.user,
            kind="order",
            title=f"Order #{instance.number} is {instance.status}",
            url=instance.get_absolute_url(),
            data={"order": instance.number, "status": instance.status},
            key=f"order-{instance.number}-{instance.status}",
        )
    instance.saved_status = instance.status
