"""A loopback TCP proxy for fault tests: forward a port to another, cut the link and restore it.

The proxy is a small asyncio server in its own process (``python tcp_proxy.py LISTEN TARGET``), so
nothing the test process does (a model run holding the GIL) slows the link down. ``cut()`` stops
that process by its pid: the listening socket and every open connection go at once, as with a
pulled cable, and connection attempts are refused until ``restore()`` starts it again.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
CHUNK = 65536
READY_TIMEOUT_S = 10.0


class TcpProxy:
    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port = listen_port
        self.target_port = target_port
        self._process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"{HOST}:{self.listen_port}"

    def start(self) -> "TcpProxy":
        self.restore()
        return self

    def restore(self) -> None:
        if self._process is not None:
            return
        self._process = subprocess.Popen([sys.executable, __file__, str(self.listen_port), str(self.target_port)],
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _accepts(self.listen_port):
            if time.monotonic() > deadline or self._process.poll() is not None:
                self.cut()
                raise RuntimeError(f"the proxy on port {self.listen_port} did not start")
            time.sleep(0.05)

    def cut(self) -> None:
        """Stop listening and drop every connection in both directions."""
        if self._process is None:
            return
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(10)
        self._process = None

    close = cut


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


async def serve(listen_port: int, target_port: int) -> None:
    async def forward(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            target_reader, target_writer = await asyncio.open_connection(HOST, target_port)
        except OSError:
            client_writer.transport.abort()
            return
        await asyncio.gather(_pipe(client_reader, target_writer), _pipe(target_reader, client_writer))

    server = await asyncio.start_server(forward, HOST, listen_port, reuse_address=True)
    async with server:
        await server.serve_forever()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes until either side goes away; then drop the other side too."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.transport.abort()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2])))
