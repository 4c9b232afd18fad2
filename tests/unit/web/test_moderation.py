"""The room page's moderation configuration: who is offered the members'
actions, and the address the page calls."""

import pytest

from parley.services import direct_rooms, moderation, rooms
from parley.web.moderation import moderation_config

pytestmark = pytest.mark.django_db


def test_owners_and_moderators_are_offered_the_actions_members_are_not(
    alice, bob, carol
):
    lobby = rooms.create_room(user=alice, title="Lobby")
    for user in (bob, carol):
        rooms.admit(room=lobby, user=user)
    moderation.set_role(by=alice, room=lobby, username="bob", role="moderator")
    owner, moderator, member = (
        moderation_config(lobby, user) for user in (alice, bob, carol)
    )
    assert (owner["myRole"], owner["canModerate"]) == ("owner", True)
    assert (moderator["myRole"], moderator["canModerate"]) == ("moderator", True)
    assert (member["myRole"], member["canModerate"]) == ("member", False)
    assert owner["moderateUrl"] == "/api/rooms/lobby/members/__user__/"


def test_a_direct_room_offers_no_actions_even_to_staff(alice, bob):
    direct, _created = direct_rooms.open_direct(user=alice, username="bob")
    alice.is_staff = True
    config = moderation_config(direct, alice)
    assert (config["myRole"], config["canModerate"]) == ("staff", False)
