"""Parley's data: rooms, members, messages, pins, API tokens, notifications and
how they reach people (push subscriptions, preferences, deliveries).

Only ``parley.services`` writes these models; read them anywhere.
"""

from parley.models.accounts import ApiToken, Guest, Profile, UsernameSkeleton
from parley.models.attachments import Attachment
from parley.models.delivery import Activity, Delivery
from parley.models.links import RoomLink
from parley.models.moderation import Ban
from parley.models.notifications import (
    Notification,
    NotificationSetting,
    PushSubscription,
    RoomMute,
)
from parley.models.pins import Pin
from parley.models.reactions import Reaction
from parley.models.rooms import Membership, Message, Room
from parley.models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "Activity",
    "ApiToken",
    "Attachment",
    "Ban",
    "Delivery",
    "Guest",
    "Membership",
    "Message",
    "Notification",
    "NotificationSetting",
    "Pin",
    "Profile",
    "PushSubscription",
    "Reaction",
    "Room",
    "RoomLink",
    "RoomMute",
    "UsernameSkeleton",
    "Webhook",
    "WebhookDelivery",
]
