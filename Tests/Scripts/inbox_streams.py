"""Opens N inbox streams at once and holds them until stdin closes.

Usage: inbox_streams.py HOST PORT TOKEN N. Prints "open N" once every stream has received its
first line (retry: 5000), then waits; closing stdin (or the process ending) closes them all.
Used by InboxTests to show that streams are fanned out in memory: many open streams, one LISTEN.
"""
import asyncio
import sys


async def open_stream(host, port, token):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"GET /v1/inbox/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                  "Accept: text/event-stream\r\n\r\n").encode())
    await writer.drain()
    seen = b""
    while b"retry: 5000" not in seen:
        chunk = await reader.read(4096)
        if not chunk:
            raise RuntimeError("stream closed before it started: " + seen.decode(errors="replace"))
        seen += chunk
    return writer


async def main():
    host, port, token, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    writers = await asyncio.gather(*(open_stream(host, port, token) for _ in range(count)))
    print(f"open {len(writers)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for writer in writers:
        writer.close()


asyncio.run(main())
