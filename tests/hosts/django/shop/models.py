"""One model with every widget Django admin ships for a change form (see shop/admin.py)."""
from django.db import models


class Named(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class Customer(Named):
    pass


class Warehouse(Named):
    pass


class Tag(Named):
    pass


class Channel(Named):
    pass


class Order(models.Model):
    STATUS = [("new", "New"), ("paid", "Paid"), ("shipped", "Shipped"), ("cancelled", "Cancelled")]

    reference = models.CharField(max_length=100)
    notes = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=STATUS, default="new")
    urgent = models.BooleanField(default=False)
    due = models.DateField(null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True)
    channels = models.ManyToManyField(Channel, blank=True)

    def __str__(self):
        return self.reference
