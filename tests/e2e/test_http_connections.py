"""Idle keep-alive connections: the server keeps one open longer than clients do (httpx 5 s), so that a
client never sends a request on a connection the server is closing (the `httpx.ReadError` race)."""

import asyncio
from urllib.parse import urlsplit

CLIENT_KEEPALIVE_SECONDS = 5.0  # httpx's default keepalive_expiry


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> bytes:
    writer.write(f"GET /health/live HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    await asyncio.wait_for(reader.readexactly(length), 10)
    return head.split(b"\r\n", 1)[0]


async def _idle_then_reuse(url: str) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        assert b" 200 " in await _get(reader, writer, parts.netloc)
        await asyncio.sleep(CLIENT_KEEPALIVE_SECONDS + 1)  # idle past the point a client drops it
        try:
            again = await _get(reader, writer, parts.netloc)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise AssertionError(f"{url} closed a connection idle for {CLIENT_KEEPALIVE_SECONDS + 1} s") from exc
        assert b" 200 " in again
    finally:
        writer.close()


async def test_an_idle_connection_outlives_the_clients_keepalive(system):
    await asyncio.gather(*(_idle_then_reuse(url) for url in (system.deposit_url, system.routing_url)))
