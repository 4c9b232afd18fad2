"""The shop's pages at ``/``, Parley's under ``/talk/``, sign-in under
``/accounts/`` (Parley's pages: this project has none of its own)."""

from django.contrib import admin
from django.urls import include, path
from orders import views

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("orders/<int:number>/", views.order_detail, name="order"),
    path("admin/", admin.site.urls),
    path("talk/", include("parley.urls")),  # Parley: pages and /talk/api/
    path("accounts/", include("parley.web.accounts_urls")),  # Parley: sign-in
]
