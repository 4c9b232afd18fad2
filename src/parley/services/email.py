"""E-mail for missed direct messages and mentions, with one-click
unsubscribe.

Sent through Django's e-mail framework: the host project's
``EMAIL_BACKEND``, or ``EMAIL_URL`` on the standalone server
(``parley.site.settings``). Each e-mail has a text part and an HTML part
(the message text escaped by the template engine, never marked safe), a
link to each conversation, and ``List-Unsubscribe`` with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058): a
signed URL (``django.core.signing``, salted, with no expiry: an old
e-mail's link keeps working) that turns e-mail off for the kinds that
e-mail was about, without signing in. A forged or altered token is
refused.
"""

import smtplib
from urllib.parse import urljoin

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parley.conf import parley_settings
from parley.services import preferences
from parley.services.push import Item, Outcome
from parley.wire.errors import ErrorCode, ParleyError

UNSUBSCRIBE_SALT = "parley.email.unsubscribe"


def address_of(user_id: int) -> str:
    """User ``user_id``'s e-mail address; "" if they have none (or are
    inactive, or gone)."""
    model = get_user_model()
    field = model.get_email_field_name()
    people = model._default_manager.filter(pk=user_id)
    if hasattr(model, "is_active"):
        people = people.filter(is_active=True)
    address = people.values_list(field, flat=True).first()
    return str(address or "")


def absolute(url: str) -> str:
    """``url`` (site-relative) made absolute on ``PARLEY_SITE_URL``."""
    return urljoin(str(parley_settings.SITE_URL).rstrip("/") + "/", url.lstrip("/"))


def unsubscribe_token(user_id: int, kinds: list[str]) -> str:
    """A signed token naming user ``user_id`` and ``kinds``."""
    return signing.dumps([user_id, sorted(set(kinds))], salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user_id: int, kinds: list[str]) -> str:
    """The absolute one-click unsubscribe URL for ``kinds``."""
    token = unsubscribe_token(user_id, kinds)
    return absolute(reverse("parley-unsubscribe", args=[token]))


def read_unsubscribe_token(token: str) -> tuple[int, list[str]]:
    """The (user id, kinds) a token names.

    Raises:
        ParleyError: ``invalid_signature`` for a token this server did not
            sign (forged, altered, or signed with another ``SECRET_KEY``).
    """
    try:
        user_id, kinds = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        raise ParleyError(
            ErrorCode.INVALID_SIGNATURE, _("This unsubscribe link is not valid.")
        ) from None
    if not isinstance(user_id, int) or not all(isinstance(k, str) for k in kinds):
        raise ParleyError(
            ErrorCode.INVALID_SIGNATURE, _("This unsubscribe link is not valid.")
        )
    return user_id, list(kinds)


def unsubscribe(token: str) -> list[str]:
    """One-click unsubscribe: turn e-mail off for the kinds ``token`` names.

    Returns:
        Those kinds.

    Raises:
        ParleyError: ``invalid_signature`` (see ``read_unsubscribe_token``).
    """
    user_id, kinds = read_unsubscribe_token(token)
    preferences.stop_email(user_id, kinds)
    return kinds


def compose(user_id: int, address: str, items: list[Item]) -> EmailMultiAlternatives:
    """The e-mail telling ``address`` about ``items`` (one, or a digest)."""
    if len(items) == 1:
        subject = _("Parley: %(title)s") % {"title": items[0].title}
    else:
        subject = ngettext(
            "Parley: %(count)d unread message",
            "Parley: %(count)d unread messages",
            len(items),
        ) % {"count": len(items)}
    unsubscribe = unsubscribe_url(user_id, [item.kind for item in items])
    context = {
        "items": [
            {"title": i.title, "body": i.body, "url": absolute(i.url)} for i in items
        ],
        "unsubscribe_url": unsubscribe,
        "settings_url": absolute(reverse("parley-notification-settings")),
    }
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ")[:200],
        body=render_to_string("parley/email/missed.txt", context),
        to=[address],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(
        render_to_string("parley/email/missed.html", context), "text/html"
    )
    return message


def send_missed(user_id: int, address: str, items: list[Item]) -> Outcome:
    """Send one e-mail about ``items`` to ``address``.

    Returns:
        ``sent``; ``retry`` on an SMTP 4xx, a dropped or refused
        connection or a timeout; ``failed`` on an SMTP 5xx or a refused
        recipient.
    """
    try:
        compose(user_id, address, items).send()
    except smtplib.SMTPRecipientsRefused:
        return "failed"
    except smtplib.SMTPResponseException as error:
        return "retry" if 400 <= error.smtp_code < 500 else "failed"
    except (smtplib.SMTPException, OSError):
        return "retry"
    return "sent"
