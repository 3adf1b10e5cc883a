from django.apps import AppConfig


class TandemConfig(AppConfig):
    name = "tandem_integration.django"
    label = "tandem"
    verbose_name = "Tandem"

    def ready(self) -> None:
        from django.conf import settings

        from . import records

        # Models named in settings push record-changed from anywhere (shell, commands, tasks);
        # TandemModelAdmin opts its model in too (admin.py).
        for label in getattr(settings, "TANDEM_MODELS", []):
            from django.apps import apps

            records.track(apps.get_model(label))
