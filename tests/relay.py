"""A TCP relay that a test controls: it forwards connections to a real service until the test cuts it (every
connection dropped, new ones closed at once), then forwards again once restored, as a network partition would."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Relay:
    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(0.2)
        self._stopping = threading.Event()
        self._cut = threading.Event()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def cut(self) -> None:
        """Drop every connection; connections made until `restore` are closed as soon as they are accepted."""
        self._cut.set()
        self._close_all()

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._stopping.set()
        self._acceptor.join()
        self._listener.close()
        self._close_all()

    def _close_all(self) -> None:
        with self._lock:
            connections, self._open = self._open, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                inbound, _ = self._listener.accept()
            except TimeoutError:
                continue
            if self._cut.is_set():
                inbound.close()
                continue
            try:
                outbound = socket.create_connection(self.target, timeout=5)
            except OSError:
                inbound.close()
                continue
            outbound.settimeout(None)
            with self._lock:
                self._open.extend([inbound, outbound])
            for source, sink in ((inbound, outbound), (outbound, inbound)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextmanager
def relaying(port: int, target: tuple[str, int]) -> Iterator[Relay]:
    relay = Relay(port, target)
    try:
        yield relay
    finally:
        relay.close()
