"""django-otp finds the device that verified a session by its id: make that lookup accept ObjectIds.

django-otp 1.7 parses the id with `int()`, which fails for the ObjectId keys this backend
gives every model, and swallows the error: the session is then silently never verified
and sign-in loops (shared/spec/backend-facts.md). Parsing the id with the device model's
own primary-key field accepts whatever key type the model has.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django_otp.models import Device


def _filter_persistent_id(cls, persistent_id, for_verify=False):
    model_label, device_id = persistent_id.rsplit("/", 1)
    device_model = apps.get_model(model_label)  # LookupError: "no such device", as upstream
    if not issubclass(device_model, Device):
        return device_model.objects.none()
    try:
        pk = device_model._meta.pk.to_python(device_id)
    except ValidationError as exc:
        raise ValueError(f"not a device id: {device_id!r}") from exc  # upstream reads it as "no such device"
    devices = device_model.objects.filter(pk=pk)
    return devices.select_for_update() if for_verify else devices


def accept_object_ids():
    Device._filter_persistent_id = classmethod(_filter_persistent_id)
