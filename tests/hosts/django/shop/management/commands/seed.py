"""Fills a fresh database for the browser tests: staff users, related objects and a few orders."""
import datetime

from django.contrib.auth.models import Permission, User
from django.core.management.base import BaseCommand

from shop.models import Channel, Customer, Order, Tag, Warehouse

PASSWORD = "tandem-test"


class Command(BaseCommand):
    help = "Create the test users (password tandem-test) and data."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=8)

    def handle(self, *args, orders, **kw):
        editor = [f"{a}_{m}" for m in ("order",) for a in ("view", "change")] + [
            f"view_{m}" for m in ("customer", "warehouse", "tag", "channel")
        ]
        people = {
            "alice": ("Alice", "Martin", editor),
            "bob": ("Bob", "Okafor", editor),
            "erin": ("Erin", "Reader", ["view_order"]),
        }
        for username, (first, last, codenames) in people.items():
            u = User.objects.create_user(username, f"{username}@example.com", PASSWORD,
                                         first_name=first, last_name=last, is_staff=True)
            u.user_permissions.set(Permission.objects.filter(content_type__app_label="shop", codename__in=codenames))
        User.objects.create_user("carol", "carol@example.com", PASSWORD)  # not staff: no token

        customers = [Customer.objects.create(name=n) for n in
                     ["Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises",
                      "Hooli", "Vandelay Industries", "Soylent", "Tyrell Corporation"]]
        warehouses = [Warehouse.objects.create(name=n) for n in ["Lyon", "Rotterdam", "Gdansk", "Porto"]]
        tags = [Tag.objects.create(name=n) for n in ["fragile", "gift", "bulk", "express", "return"]]
        channels = [Channel.objects.create(name=n) for n in ["web", "phone", "shop", "partner"]]
        for i in range(1, orders + 1):
            o = Order.objects.create(
                reference=f"ORD-{i:04d}", notes="Leave at the door.", contact_email="buyer@example.com",
                status="new", urgent=False, due=datetime.date(2026, 1, 15),
                customer=customers[0], warehouse=warehouses[0])
            o.tags.set(tags[:1])
            o.channels.set(channels[:1])
        self.stdout.write(f"seeded {orders} orders")
