"""Parley's data: rooms, members, messages, API tokens, notifications and
how they reach people (push subscriptions, preferences, deliveries).

Only ``parley.services`` writes these models; read them anywhere.
"""

from parley.models.accounts import ApiToken, Guest, Profile, UsernameSkeleton
from parley.models.delivery import Activity, Delivery
from parley.models.notifications import (
    Notification,
    NotificationSetting,
    PushSubscription,
    RoomMute,
)
from parley.models.reactions import Reaction
from parley.models.rooms import Membership, Message, Room

__all__ = [
    "Activity",
    "ApiToken",
    "Delivery",
    "Guest",
    "Membership",
    "Message",
    "Notification",
    "NotificationSetting",
    "Profile",
    "PushSubscription",
    "Reaction",
    "Room",
    "RoomMute",
    "UsernameSkeleton",
]
