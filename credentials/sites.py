"""The console's admin site: Django's, plus the overview page linked from the index."""

from django.contrib import admin
from django.urls import path

from .overview import overview_view


class ConsoleAdminSite(admin.AdminSite):
    site_header = "Credentials console"
    site_title = "Credentials console"
    index_title = "Credentials of customers' accounts"
    index_template = "admin/credentials/index.html"

    def get_urls(self):
        overview = path(
            "credentials/overview/",
            self.admin_view(lambda request: overview_view(self, request)),
            name="credentials_overview",
        )
        return [overview, *super().get_urls()]
