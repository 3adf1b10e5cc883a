"""``path("tandem/", include("tandem_integration.django.urls"))`` → /tandem/token, /tandem/webhook."""
from django.urls import path

from . import views

app_name = "tandem"
urlpatterns = [
    path("token", views.token, name="token"),
    path("webhook", views.webhook, name="webhook"),
]
