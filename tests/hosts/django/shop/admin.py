from django import forms
from django.contrib import admin
from tandem_integration.django.admin import TandemModelAdmin

from .models import Channel, Customer, Order, Tag, Warehouse


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    search_fields = ["name"]  # required by autocomplete_fields
    # docs/embedding.md's recipe without the package (tandemhost/tandem.py) serves this form.
    change_form_template = "manual/admin/change_form.html"


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    pass  # registered so the raw-id lookup popup has a change list


admin.site.register(Tag)
admin.site.register(Channel)


class OrderForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = "__all__"
        widgets = {"channels": forms.CheckboxSelectMultiple}


@admin.register(Order)
class OrderAdmin(TandemModelAdmin, admin.ModelAdmin):  # the overlay on its change forms, saves pushed
    form = OrderForm
    autocomplete_fields = ["customer"]  # select2, driven by django.jQuery
    filter_horizontal = ["tags"]  # SelectFilter2
    raw_id_fields = ["warehouse"]  # text input + lookup popup
    # `due` gets the calendar shortcuts, `status` a plain select, `urgent` a checkbox.
