"""Parley in the Django admin: rooms, memberships (with their mutes), bans,
messages, notifications and API tokens, for the site's staff to look up and
moderate.

The admin reads Parley's models but never writes them behind the services'
back: the pages are read-only, adding and Django's bulk delete are off, and
the actions call the services, which announce each change to the open
sockets (a deleted message disappears from every open page; a revoked
token's sockets close).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from parley.models import ApiToken, Ban, Membership, Message, Notification, Room
from parley.services import edits, moderation, tokens


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model the admin shows and searches but only the services change."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = ["slug", "title", "kind", "last_seq", "created_at", "archived_at"]
    list_filter = ["kind", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["slug", "title"]
    date_hierarchy = "created_at"


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["room", "user", "role", "joined_at", "last_read_seq", "muted_until"]
    list_filter = ["role"]
    search_fields = ["room__slug", "user__username"]
    list_select_related = ["room", "user"]
    actions = ["remove_members"]

    @admin.action(
        description=_("Remove the selected members from their rooms"),
        permissions=["moderate"],
    )
    def remove_members(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Remove through ``moderation.expel``: their open sockets in the
        room are cut at once (direct rooms' members stay)."""
        count = 0
        for membership in queryset.select_related("room", "user"):
            if membership.room.kind != Room.Kind.DIRECT:
                count += moderation.expel(room=membership.room, user=membership.user)
        self.message_user(
            request,
            ngettext("%d member removed.", "%d members removed.", count) % count,
            messages.SUCCESS,
        )

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        """Staff with Django's ``delete_membership`` permission."""
        return request.user.has_perm("parley.delete_membership")


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    list_display = ["room", "user", "by", "created_at"]
    search_fields = ["room__slug", "user__username"]
    list_select_related = ["room", "user", "by"]
    actions = ["lift_bans"]

    @admin.action(description=_("Lift the selected bans"), permissions=["moderate"])
    def lift_bans(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Lift through ``moderation.unban`` (staff moderate every room)."""
        for ban in queryset.select_related("room", "user"):
            moderation.unban(
                by=request.user, room=ban.room, username=ban.user.get_username()
            )
        self.message_user(request, _("Lifted."), messages.SUCCESS)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        """Staff with Django's ``delete_ban`` permission."""
        return request.user.has_perm("parley.delete_ban")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "author", "short_text", "created_at", "deleted_at"]
    list_filter = ["room__kind", "created_at"]
    search_fields = ["text", "room__slug", "author__username"]
    list_select_related = ["room", "author"]
    actions = ["delete_messages"]

    @admin.display(description=_("text"))
    def short_text(self, message: Message) -> str:
        """The text's first 80 characters (shown as text, escaped)."""
        return message.text[:80]

    @admin.action(
        description=_("Delete the selected messages (shown as deleted)"),
        permissions=["moderate"],
    )
    def delete_messages(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Delete through ``delete_messages_as_staff``: rooms are told."""
        count = edits.delete_messages_as_staff(
            staff=request.user, message_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            ngettext("%d message deleted.", "%d messages deleted.", count) % count,
            messages.SUCCESS,
        )

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        """Who sees the action: staff with Django's ``delete_message``
        permission (superusers have it); the bulk delete stays off."""
        return request.user.has_perm("parley.delete_message")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username", "key"]
    list_select_related = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Revoke through ``revoke_token``: their sockets close at once."""
        for token in queryset:
            tokens.revoke_token(user=token.user, token_id=token.pk)
        self.message_user(request, _("Revoked."), messages.SUCCESS)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Staff with Django's ``change_apitoken`` permission."""
        return request.user.has_perm("parley.change_apitoken")
