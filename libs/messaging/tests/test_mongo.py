"""The services' MongoDB client never reuses a connection the server may have closed for idleness."""

from messaging.mongo import make_client


async def test_an_idle_pooled_connection_is_replaced_before_the_server_drops_it():
    client = make_client("mongodb://127.0.0.1:1/?directConnection=true")  # no connection is opened here
    try:
        assert client.options.pool_options.max_idle_time_seconds == 60 < 300  # SecantusDB's idle timeout
    finally:
        await client.close()
