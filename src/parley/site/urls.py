"""URLs of the standalone server."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("parley.urls")),
    path("accounts/", include("parley.web.accounts_urls")),
    path("admin/", admin.site.urls),
]
