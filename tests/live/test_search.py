"""Search and the history around a hit, against a real server, through the
Python client (the suite's database: SQLite, or PostgreSQL with
``PARLEY_TEST_DATABASE=postgres``)."""

import pytest

from parley.client import ParleyClientError
from tests.support.servers import User, client_for, unique


async def test_search_finds_readable_words_and_opens_the_page_around_them(
    alice: User, bob: User
):
    """Bob finds Alice's word in a public room, never in her private one,
    and opens the history around the hit."""
    word = unique("kumquat")
    with alice.http() as http:
        public = http.post("/api/rooms", json={"title": unique("orchard")}).json()
        private = http.post(
            "/api/rooms", json={"title": unique("cellar"), "kind": "private"}
        ).json()
        slug = public["slug"]
        for i in range(20):
            http.post(f"/api/rooms/{slug}/messages", json={"text": f"filler {i}"})
        said = http.post(
            f"/api/rooms/{slug}/messages", json={"text": f"the <i>{word}</i> ripens"}
        ).json()
        for i in range(20):
            http.post(f"/api/rooms/{slug}/messages", json={"text": f"later {i}"})
        http.post(
            f"/api/rooms/{private['slug']}/messages", json={"text": f"{word} hidden"}
        )
    async with client_for(bob) as b:
        hits, cursor = await b.search(word.upper())
        assert cursor is None
        assert [hit.message.id for hit in hits] == [said["id"]]
        (hit,) = hits
        assert (hit.room_title, hit.message.author) == (public["title"], alice.username)
        assert hit.snippet == f"the <i>{word}</i> ripens"
        assert [hit.snippet[a:b] for a, b in hit.highlights] == [word]
        page, next_before = await b.history(slug, around=hit.message.seq, limit=10)
        assert [m.seq for m in page] == list(
            range(said["seq"] + 4, said["seq"] - 6, -1)
        )
        assert next_before == said["seq"] - 5
        # FTS syntax is words: found nothing, no error.
        assert await b.search(f'{word} NEAR "x *') == ([], None)
        for refused, code in [
            (lambda: b.search(word, room=private["slug"]), "room_not_found"),
            (lambda: b.search(f"{word} in:{private['slug']}"), "room_not_found"),
            (lambda: b.search('" * ^'), "invalid_query"),
            (lambda: b.search("x" * 201), "invalid_query"),
            (lambda: b.history(slug, around=1, before=5), "invalid_request"),
        ]:
            with pytest.raises(ParleyClientError) as error:
                await refused()
            assert error.value.code == code
    async with client_for(alice) as a:
        hits, _ = await a.search(f'"{word} hidden" from:{alice.username}')
        assert [hit.message.room for hit in hits] == [private["slug"]]
