"""Tandem for Django admin. Add ``"tandem_integration.django"`` to INSTALLED_APPS, set TANDEM_URL
and TANDEM_API_KEY, include ``tandem_integration.django.urls``, and use TandemModelAdmin."""
