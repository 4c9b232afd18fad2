"""The tutorials' example: a shop whose orders tell their owner when their
status changes. README.md shows this code."""

from django.conf import settings
from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver

import parley


class Order(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    number = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=20, default="placed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_status = self.status  # what the database holds

    def __str__(self) -> str:
        return f"Order #{self.number}"


@receiver(post_save, sender=Order)
def tell_the_owner(sender, instance: Order, created: bool, **kwargs) -> None:
    """Notify the owner of a new order or a changed status; the notification
    reaches their open tabs once the transaction commits."""
    if created or instance.status != instance.saved_status:
        parley.notify(
            instance.owner,
            kind="order",
            title=f"Order #{instance.number} is {instance.status}",
            url=f"/orders/{instance.number}/",
            data={"order": instance.number, "status": instance.status},
        )
    instance.saved_status = instance.status
