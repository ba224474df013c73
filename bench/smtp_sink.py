"""A minimal SMTP server for the reminder benchmark: accepts every message and counts it.

For the benchmark only (aiosmtpd is not a dependency, and the standard library's smtpd is gone
from Python 3.12). It speaks just enough of RFC 5321 for smtplib (what Django's SMTP backend
uses): the greeting, EHLO/HELO, MAIL, RCPT, DATA (up to the line with a lone dot), RSET, NOOP
and QUIT; anything else is answered 502. No TLS, no authentication, nothing stored but the
Message-ID of each message, when the last one arrived and how many connections were open.

It runs in a process of its own (`Sink.start()`), so that receiving costs the measured
processes nothing but the socket, as a real relay would (it still shares this machine's cores).
The counts are shared through multiprocessing values; the Message-IDs come back when it stops.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import socketserver
import threading
import time
from collections import Counter

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class _Counts:
    def __init__(self, received, last_at, connections, most_open) -> None:
        self.received, self.last_at = received, last_at
        self.connections, self.most_open = connections, most_open
        self.open = 0
        self.ids: Counter[bytes] = Counter()
        self.lock = threading.Lock()


class _Session(socketserver.BaseRequestHandler):
    """One client's connection, in a thread of its own: commands line by line, then a
    message's data up to the line with a lone dot. (Blocking sockets and a thread per
    connection cost about a quarter of the CPU per message that asyncio's streams did.)"""

    counts: _Counts

    def handle(self) -> None:
        counts = self.counts
        with counts.lock:
            counts.open += 1
            counts.connections.value += 1
            counts.most_open.value = max(counts.most_open.value, counts.open)
        try:
            self._converse()
        except ConnectionError:
            pass
        finally:
            with counts.lock:
                counts.open -= 1

    def _converse(self) -> None:
        connection = self.request
        connection.sendall(b"220 bench-sink ESMTP\r\n")
        buffer, in_data = b"", False
        while data := connection.recv(65536):
            buffer += data
            replies = []
            while True:
                if in_data:
                    end = buffer.find(b"\r\n.\r\n")
                    if end < 0:
                        break
                    self._message(buffer[:end])
                    buffer, in_data = buffer[end + 5 :], False
                    replies.append(b"250 OK queued\r\n")
                    continue
                end = buffer.find(b"\r\n")
                if end < 0:
                    break
                verb, buffer = buffer[:4].upper(), buffer[end + 2 :]
                if verb == b"EHLO":
                    replies.append(b"250-bench-sink\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
                elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    replies.append(b"250 OK\r\n")
                elif verb == b"DATA":
                    # An empty message ends at once: keep this line's CRLF before the data.
                    buffer, in_data = b"\r\n" + buffer, True
                    replies.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                elif verb == b"QUIT":
                    connection.sendall(b"".join(replies) + b"221 Bye\r\n")
                    return
                else:
                    replies.append(b"502 Command not implemented\r\n")
            if replies:
                connection.sendall(b"".join(replies))

    def _message(self, data: bytes) -> None:
        found = MESSAGE_ID.search(data.split(b"\r\n\r\n", 1)[0])
        counts = self.counts
        with counts.lock:
            counts.ids[found.group(1) if found else b"(none)"] += 1
            counts.last_at.value = time.monotonic()
            counts.received.value += 1  # this process writes, the benchmark's reads


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(port, received, last_at, connections, most_open, ready, stop, results) -> None:
    _Session.counts = _Counts(received, last_at, connections, most_open)
    with _Server(("127.0.0.1", port), _Session) as server:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        ready.set()
        stop.wait()
        server.shutdown()
        with _Session.counts.lock:
            results.put(dict(_Session.counts.ids))


class Sink:
    """The server in its own process: `received` so far, `last_at` (time.monotonic() of the
    last message, the same clock in every process on Linux), `connections` opened in all and the
    `most_open` at one time."""

    def __init__(self, port: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.port = port
        # Written by the server's process alone: no lock (a 64-bit value is read whole).
        self._received = context.RawValue("q", 0)
        self._last_at = context.RawValue("d", 0.0)
        self._connections = context.RawValue("q", 0)
        self._most_open = context.RawValue("q", 0)
        self._ready, self._stop = context.Event(), context.Event()
        self._results = context.Queue()
        self._process = context.Process(
            target=_serve,
            args=(
                port,
                self._received,
                self._last_at,
                self._connections,
                self._most_open,
                self._ready,
                self._stop,
                self._results,
            ),
            daemon=True,
        )

    def start(self) -> Sink:
        self._process.start()
        if not self._ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")
        return self

    @property
    def received(self) -> int:
        return self._received.value

    @property
    def last_at(self) -> float:
        return self._last_at.value

    @property
    def connections(self) -> int:
        return self._connections.value

    @property
    def most_open(self) -> int:
        return self._most_open.value

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server's process has used so far."""
        with open(f"/proc/{self._process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> Counter[bytes]:
        """Stop it; the Message-IDs received, with how often each came."""
        self._stop.set()
        ids = Counter(self._results.get(timeout=30))
        self._process.join(10)
        return ids
