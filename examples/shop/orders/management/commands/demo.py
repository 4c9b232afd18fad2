"""``python manage.py demo``: a staff account and a customer with an order,
to try the shop at once. Passwords come from the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from orders.models import Customer, Order


class Command(BaseCommand):
    help = "Create a staff user, a customer and one order (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True)

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        users = get_user_model()
        staff, _ = users.objects.get_or_create(
            username="staff", defaults={"is_staff": True, "is_superuser": True}
        )
        staff.set_password(password)
        staff.save()
        user, _ = users.objects.get_or_create(username="alice")
        user.set_password(password)
        user.save()
        customer, _ = Customer.objects.get_or_create(
            user=user, defaults={"name": "Alice"}
        )
        Order.objects.get_or_create(number=42, defaults={"customer": customer})
        self.stdout.write("staff and alice, with order #42")
