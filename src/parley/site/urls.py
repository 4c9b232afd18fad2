"""URLs of the standalone server.

Besides Parley's own: ``/healthz`` for load balancers (``parley.ops.health``) and
``/metrics`` for Prometheus (``parley.ops.metrics``, loopback only by default).
"""

from django.contrib import admin
from django.urls import include, path

from parley.ops.health import healthz
from parley.ops.metrics import metrics_view

urlpatterns = [
    path("healthz", healthz, name="parley-healthz"),
    path("metrics", metrics_view, name="parley-metrics"),
    path("", include("parley.urls")),
    path("accounts/", include("parley.web.accounts_urls")),
    path("admin/", admin.site.urls),
]
