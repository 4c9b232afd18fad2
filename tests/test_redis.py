"""Two Uvicorn processes sharing a real Redis channel layer and one database."""

from tests.servers import ParleyServer, User, recv_type, send, subscribe


async def test_clients_on_two_processes_receive_each_others_messages(
    tmp_path, redis_server
):
    env = {"CHANNEL_LAYER_URL": redis_server.url}
    first = ParleyServer(tmp_path, env).start()
    second = ParleyServer(tmp_path, env).start()
    try:
        alice = User.sign_up(first, "alice")
        bob = User.sign_up(second, "bob")
        async with await alice.connect() as a, await bob.connect() as b:
            await subscribe(a, "across")
            await subscribe(b, "across")
            await send(
                a, type="send", room="across", text="from process one", client_id="1"
            )
            await send(
                b, type="send", room="across", text="from process two", client_id="2"
            )
            for ws in (a, b):
                texts = {(await recv_type(ws, "message"))["text"] for _ in range(2)}
                assert texts == {"from process one", "from process two"}
    finally:
        first.stop()
        second.stop()
