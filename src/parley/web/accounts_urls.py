"""Sign-up, sign-in, sign-out and password change at ``/accounts/``, with
Parley's templates.

Django's own auth views; include under ``accounts/`` in a project that has
no sign-in pages of its own. ``guest/`` signs a visitor in as a guest when
``PARLEY_GUEST_ACCESS`` is on (404 otherwise).
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from parley.web import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path(
        "password_change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password_change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("guest/", views.guest, name="parley-guest"),
]
