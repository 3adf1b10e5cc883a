from django.dispatch import Signal

#: A verified webhook delivery: receivers get ``event`` (the JSON object: id, type, pageKey, data…)
#: and ``event_type``. Connect with ``@receiver(tandem_event)``. A receiver that raises makes the
#: webhook view answer 500, so Tandem retries the delivery.
tandem_event = Signal()
