"""The settings page (``/settings/``: display name and avatar) and the
avatars it stores (``/avatars/<user>/<version>.png``).

Thin: ``parley.services.profiles`` checks, re-encodes and stores. An avatar
is served as the PNG Parley wrote, ``image/png`` with ``nosniff`` and no
way to be read as anything else; its URL names its version, so it is
cached for good and a new upload is a new URL.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from parley.conf import parley_settings
from parley.services import guests, profiles
from parley.web.views import page
from parley.wire.errors import ParleyError

# A versioned avatar URL never changes content: a year, immutable (RFC 8246).
AVATAR_CACHE_CONTROL = "public, max-age=31536000, immutable"


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        required=False,
        help_text=_("Shown instead of your username. Leave empty to show it."),
    )
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("A square crop of it is shown beside your messages."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit = parley_settings.DISPLAY_NAME_MAX_CHARS
        self.fields["display_name"].widget.attrs.update(
            {"maxlength": limit, "autocomplete": "nickname"}
        )
        accept = ",".join(
            f"image/{name.lower()}" for name in parley_settings.AVATAR_FORMATS
        )
        self.fields["avatar"].widget.attrs["accept"] = accept


class DeleteAccountForm(forms.Form):
    """The settings page's "Delete my account": the password and a tick
    (``parley.web.account``)."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """``/settings/``: POST ``display_name`` and an optional ``avatar`` file,
    or ``remove_avatar``; back here (``?saved=1``: a confirmation), or the page again
    with the errors (nothing is changed then). Guests have no profile
    (their name is the one they chose): 404."""
    if guests.is_guest(request.user):
        raise Http404
    profile = profiles.profile_of(request.user)
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        initial={"display_name": profile.display_name},
    )
    if request.method == "POST" and form.is_valid() and _save(request, form):
        return redirect(reverse("parley-settings") + "?saved=1")
    return settings_page_with(request, form=form)


def settings_page_with(
    request: HttpRequest,
    *,
    form: ProfileForm | None = None,
    delete_form: DeleteAccountForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The settings page: the profile form (``form``, else one with the
    saved name) and the account deletion form (``delete_form``, else an
    empty one: ``parley.web.account``), answered with ``status``."""
    profile = profiles.profile_of(request.user)
    if form is None:
        form = ProfileForm(initial={"display_name": profile.display_name})
    response = page(
        request,
        "parley/settings.html",
        {
            "form": form,
            "profile": profile,
            "delete_form": delete_form or DeleteAccountForm(),
            "saved": "saved" in request.GET,
        },
    )
    response.status_code = status
    return response


def _save(request: HttpRequest, form: ProfileForm) -> bool:
    """Apply a valid ``form``; a refusal goes on the form's field."""
    user = request.user
    upload = form.cleaned_data["avatar"]
    try:
        name = profiles.clean_display_name(form.cleaned_data["display_name"])
    except ParleyError as error:
        form.add_error("display_name", error.message)
        return False
    if upload is not None:
        # Read one byte past the limit: the service refuses it without the
        # rest of a huge upload ever being held in memory.
        data = upload.read(parley_settings.AVATAR_MAX_BYTES + 1)
        try:
            profiles.set_avatar(user=user, data=data)
        except ParleyError as error:
            form.add_error("avatar", error.message)
            return False
    elif "remove_avatar" in request.POST:
        profiles.remove_avatar(user=user)
    profiles.set_display_name(user=user, name=name)
    return True


@require_GET
def avatar(request: HttpRequest, user_id: int, version: int) -> HttpResponse:
    """A stored avatar: ``image/png``, ``nosniff``, cached for good; 404 for
    none or an older version. Public like the names in a room: the URL is
    only shown to people who can see the user."""
    data = profiles.avatar(user_id=user_id, version=version)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type=profiles.STORED_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = AVATAR_CACHE_CONTROL
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Content-Disposition"] = 'inline; filename="avatar.png"'
    return response
