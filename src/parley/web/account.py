"""The settings page's account section: ``/settings/delete/`` deletes the
account of the signed-in user once they confirm with their password and
a tick (``parley.services.accounts.delete_account``), then shows a page
that says so. The export is a link to ``GET /api/me/export``.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from parley.services import accounts, guests
from parley.web import profile
from parley.web.views import page
from parley.wire.errors import ParleyError


@login_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    """POST ``password`` and ``confirm``: the account is deleted, the session
    ends (its sockets close on every process) and the page says so; a
    wrong password or no tick shows the settings page again with the error
    (nothing is deleted then). Guests have no account to delete: 404."""
    if guests.is_guest(request.user):
        raise Http404
    form = profile.DeleteAccountForm(request.POST)
    if form.is_valid():
        try:
            accounts.delete_account(
                user=request.user, password=form.cleaned_data["password"]
            )
        except ParleyError as error:
            form.add_error("password", error.message)
        else:
            request.session.flush()
            request.user = AnonymousUser()
            return page(request, "parley/account_deleted.html", {})
    return profile.settings_page_with(request, delete_form=form, status=400)
