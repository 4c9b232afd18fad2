"""The API tokens page: a user's tokens, creating one (shown once) and
revoking one."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from parley.services import tokens
from parley.web.views import page
from parley.wire.errors import NotFound, ParleyError


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=tokens.NAME_MAX_CHARS,
        help_text=_("What it is for, e.g. “deploy bot”."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; POST ``name`` creates one and shows it once.

    The new token is in this one response only (not stored, not cached,
    not carried through a redirect); reloading the page does not show it.
    """
    form = NewTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = tokens.create_token(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ParleyError as error:
            form.add_error("name", error.message)
        else:
            created = {"token": token, "plaintext": plaintext}
            form = NewTokenForm()
    return page(
        request,
        "parley/tokens.html",
        {"form": form, "created": created, "tokens": tokens.tokens_of(request.user)},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's tokens, then back to the list; 404 for others'."""
    try:
        tokens.revoke_token(user=request.user, token_id=token_id)
    except NotFound:
        raise Http404 from None
    return redirect("parley-tokens")
