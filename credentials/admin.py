from django.contrib import admin

from .forms import form_for
from .platforms import REGISTRY


class CredentialAdmin(admin.ModelAdmin):
    platform = None

    def save_model(self, request, obj, form, change):
        user = str(request.user.pk)
        if not change:
            obj.created_by = user
        obj.updated_by = user
        super().save_model(request, obj, form, change)


for platform in REGISTRY.values():
    admin.site.register(
        platform.model,
        type(
            f"{platform.model.__name__}Admin",
            (CredentialAdmin,),
            {"platform": platform, "form": form_for(platform)},
        ),
    )
