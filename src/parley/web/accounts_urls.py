"""Sign-up, sign-in and sign-out at ``/accounts/``, with Parley's templates.

Django's own auth views; include under ``accounts/`` in a project that has
no sign-in pages of its own.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from parley.web import views

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="parley/accounts/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
]
