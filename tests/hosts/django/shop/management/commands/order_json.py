"""Prints an order as the database holds it, in the overlay's value shapes (the tests compare)."""
import json

from django.core.management.base import BaseCommand

from shop.models import Order


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("pk", type=int)

    def handle(self, *args, pk, **kw):
        o = Order.objects.get(pk=pk)
        self.stdout.write(json.dumps({
            "reference": o.reference,
            "notes": o.notes,
            "contact_email": o.contact_email,
            "status": o.status,
            "urgent": o.urgent,
            "due": o.due.isoformat() if o.due else "",
            "customer": str(o.customer_id),
            "warehouse": "" if o.warehouse_id is None else str(o.warehouse_id),
            "tags": sorted(str(t.pk) for t in o.tags.all()),
            "channels": sorted(str(c.pk) for c in o.channels.all()),
        }))
