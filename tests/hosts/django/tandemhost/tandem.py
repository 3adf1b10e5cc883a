"""Tandem for this Django admin without the package: a user token for the logged-in staff user, and
the server's URL for the template. The same code as docs/embedding.md's Django recipe "without the
package" (the customer change form uses it; the order change form uses the package)."""
import json
import urllib.error
import urllib.request

from django.apps import apps
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def tandem_perms(user):
    """Django model permissions → Tandem page-key patterns (the overlay's key for
    /admin/shop/order/42/change/ is shop.order:42)."""
    if user.is_superuser:
        return {"*": ["read", "write", "comment"]}
    perms = {}
    for model in apps.get_models():
        app_label, name = model._meta.app_label, model._meta.model_name
        if user.has_perm(f"{app_label}.change_{name}"):
            perms[f"{app_label}.{name}:*"] = ["read", "write", "comment"]
        elif user.has_perm(f"{app_label}.view_{name}"):
            perms[f"{app_label}.{name}:*"] = ["read"]
        if len(perms) >= 100:  # Tandem takes at most 100 patterns
            break
    return perms


def claims_for(user):
    return {
        "sub": str(user.pk),
        "name": user.get_full_name() or user.get_username(),
        "roles": list(user.groups.values_list("name", flat=True))[:50],
        "perms": tandem_perms(user),
    }


@never_cache
def tandem_token(request):
    # JSON, never a redirect to the login page: the overlay reads any non-JSON answer as "no token".
    if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
        return JsonResponse({"error": "not logged in as staff"}, status=401)
    req = urllib.request.Request(
        f"{settings.TANDEM_URL}/api/v1/auth/token",
        data=json.dumps(claims_for(request.user)).encode(),
        headers={"Authorization": f"Bearer {settings.TANDEM_API_KEY}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return JsonResponse({"token": json.load(r)["token"]})
    except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
        # Tandem down or refusing the key: say so; the overlay retries with backoff.
        return JsonResponse({"error": f"Tandem did not issue a token: {e}"}, status=502)


def settings_context(request):
    return {"TANDEM_URL": settings.TANDEM_URL}
