from django.contrib import admin
from django.urls import path

from tandemhost.tandem import tandem_token

urlpatterns = [
    path("tandem-token", tandem_token, name="tandem-token"),
    path("admin/", admin.site.urls),
]
