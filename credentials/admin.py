from django.contrib import admin

from .platforms import REGISTRY

for platform in REGISTRY.values():
    admin.site.register(platform.model, admin.ModelAdmin)
