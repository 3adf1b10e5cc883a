from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path

from tandemhost.tandem import tandem_token

urlpatterns = [
    path("tandem/", include("tandem_integration.django.urls")),  # /tandem/token, /tandem/webhook
    path("tandem-token", tandem_token, name="tandem-token"),  # the hand-written recipe of docs/embedding.md
    path("admin/", admin.site.urls),
    # A login for every user (the admin's own refuses non-staff), so tests can log in a non-staff user too.
    path("accounts/login/", LoginView.as_view(template_name="admin/login.html")),
    path("favicon.ico", lambda request: HttpResponse(status=204)),  # no 404 in the browser console
]
