#!/usr/bin/env python3
"""Protocol robustness: virtsaved survives malformed and hostile clients.

SPDX-License-Identifier: LGPL-2.1-or-later

Raw socket clients send garbage, truncated and oversized frames, wrong
programs, unknown procedures and undecodable arguments; after each, a
second client must still get a real answer. Everything stays on a UNIX
socket under a temporary root; every loop is bounded.

The properties tested belong to the RPC, remote and daemon layers. If the
real daemon cannot start yet (no QEMU driver), the same code built over
the fake driver (tests/remote/virtsaved-fake) is used, and a diagnostic
says so.
"""

import os
import random
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

REMOTE = 0x20008086
KEEPALIVE = 0x6B656570
CALL, REPLY, MESSAGE = 0, 1, 2
PROC_OPEN, PROC_GET_TYPE, PROC_FEATURE, PROC_AUTH_LIST = 1, 3, 60, 66
PROC_LOOKUP_BY_NAME, PROC_SAVE, PROC_CAPS, PROC_LIST_ALL = 23, 55, 7, 273


def xdr_string(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


def frame(prog, proc, serial, payload=b"", vers=1, mtype=CALL, status=0):
    body = struct.pack(">IIiIII", prog, vers, proc, mtype, serial, status)
    return struct.pack(">I", 4 + len(body) + len(payload)) + body + payload


class Client:
    """A raw libvirt protocol client over the daemon's socket."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.serial = 0

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def recv(self):
        """Next message as (header tuple, payload), skipping keepalive."""
        while True:
            head = self.recv_exact(4)
            if head is None:
                return None
            (length,) = struct.unpack(">I", head)
            rest = self.recv_exact(length - 4)
            if rest is None:
                return None
            hdr = struct.unpack(">IIiIII", rest[:24])
            if hdr[0] == KEEPALIVE and hdr[3] == MESSAGE:
                continue
            return hdr, rest[24:]

    def call(self, proc, payload=b"", prog=REMOTE, vers=1):
        self.serial += 1
        self.send(frame(prog, proc, self.serial, payload, vers=vers))
        return self.recv()

    def handshake(self):
        r1 = self.call(PROC_AUTH_LIST)
        r2 = self.call(PROC_FEATURE, struct.pack(">i", 10))
        r3 = self.call(PROC_OPEN, struct.pack(">I", 1) +
                       xdr_string("qemu:///system") + struct.pack(">I", 0))
        return all(r is not None and r[0][5] == 0 for r in (r1, r2, r3))

    def closed_by_peer(self, timeout=5.0):
        """True if the daemon closes the connection within @timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except socket.timeout:
            return False
        except OSError:
            return True


def parse_error(payload):
    """(code, domain, message) of an error reply body."""
    code, domain, present = struct.unpack(">iiI", payload[:12])
    message = None
    if present:
        (n,) = struct.unpack(">I", payload[12:16])
        message = payload[16:16 + n].decode()
    return code, domain, message


def start_daemon(tap):
    try:
        return vstest.Daemon().start()
    except RuntimeError as e:
        fake = os.path.join(vstest.build_root(), "tests", "remote",
                            "virtsaved-fake")
        if os.environ.get("VS_TEST_VIRTSAVED") or not os.path.exists(fake):
            raise
        tap.diag("real daemon did not start; using virtsaved-fake:")
        tap.diag(str(e).splitlines()[-1] if str(e) else "")
        os.environ["VS_TEST_VIRTSAVED"] = fake
        return vstest.Daemon().start()


def serves(d):
    """A fresh client completes the handshake and a real call."""
    try:
        c = Client(d.socket)
        ok = c.handshake()
        r = c.call(PROC_GET_TYPE)
        c.close()
        return ok and r is not None and r[0][5] == 0 and b"QEMU" in r[1]
    except OSError:
        return False


def expect_error(tap, reply, code, domain, message, desc):
    if reply is None:
        return tap.ok(False, desc, "connection closed instead of a reply")
    hdr, payload = reply
    if hdr[5] != 1:
        return tap.ok(False, desc, "status %d, not an error" % hdr[5])
    got = parse_error(payload)
    return tap.ok(got == (code, domain, message), desc,
                  "got %r, want %r" % (got, (code, domain, message)))


def main():
    tap = vstest.TAP()
    d = start_daemon(tap)
    try:
        run(tap, d)
    finally:
        status = d.stop()
        tap.ok(status == 0, "daemon exits 0 on SIGTERM", d.output())
        tap.ok(not os.path.exists(d.socket) and
               not os.path.exists(os.path.join(d.root, "run",
                                               "virtsaved.pid")),
               "socket and pid file removed at exit")
        d.cleanup()
    tap.exit()


def run(tap, d):
    tap.ok(serves(d), "handshake and a call succeed")

    rng = random.Random(1234)
    for i in range(5):
        c = Client(d.socket)
        c.send(bytes(rng.getrandbits(8) for _ in range(2000)))
        c.close()
    tap.ok(serves(d), "random bytes: daemon keeps serving others")

    c = Client(d.socket)
    c.send(frame(REMOTE, PROC_GET_TYPE, 1)[:10])
    c.close()
    tap.ok(serves(d), "truncated header: daemon keeps serving others")

    c = Client(d.socket)
    c.send(struct.pack(">I", 20) + b"\0" * 20)
    tap.ok(c.closed_by_peer(), "length < 28: client dropped")
    c.close()
    tap.ok(serves(d), "length < 28: daemon keeps serving others")

    c = Client(d.socket)
    c.send(struct.pack(">I", 32 * 1024 * 1024 + 5) + b"\0" * 24)
    tap.ok(c.closed_by_peer(), "length > 32 MiB: client dropped")
    c.close()
    tap.ok(serves(d), "length > 32 MiB: daemon keeps serving others")

    c = Client(d.socket)
    tap.ok(c.handshake(), "handshake on the probing connection")
    expect_error(tap, c.call(1, prog=0x11223344), 39, 7,
                 "Cannot find program 287454020 version 1",
                 "unknown program: RPC error")
    expect_error(tap, c.call(PROC_GET_TYPE, vers=2), 39, 7,
                 "Cannot find program %d version 2" % REMOTE,
                 "unknown version: RPC error")
    expect_error(tap, c.call(31337), 39, 7, "unknown procedure: 31337",
                 "unknown procedure: RPC error")
    expect_error(tap, c.call(PROC_LOOKUP_BY_NAME, struct.pack(">I", 999)),
                 39, 7, "Unable to decode message payload",
                 "bad payload: decode error")
    expect_error(tap, c.call(PROC_GET_TYPE, b"\0\0\0\1"), 39, 7,
                 "Unable to decode message payload",
                 "trailing bytes: decode error")
    expect_error(tap, c.call(1, prog=KEEPALIVE), 39, 7,
                 "Cannot find program %d version 1" % KEEPALIVE,
                 "PING sent as a CALL: unknown program")

    c.serial += 1
    c.send(frame(REMOTE, PROC_GET_TYPE, 999, mtype=REPLY))
    r = c.call(PROC_GET_TYPE)
    tap.ok(r is not None and r[0][4] == c.serial and r[0][5] == 0,
           "non-CALL message ignored; next call answered")

    c.send(frame(KEEPALIVE, 1, 0, mtype=MESSAGE))
    c.sock.settimeout(5)
    head = c.recv_exact(28)
    pong = head and struct.unpack(">IIIiIII", head)
    tap.ok(pong and pong[1] == KEEPALIVE and pong[3] == 2 and
           pong[4] == MESSAGE, "keepalive PING answered with PONG",
           repr(pong))
    r = c.call(PROC_GET_TYPE)
    tap.ok(r is not None and r[0][5] == 0,
           "connection still open after all errors")
    c.close()

    results = [False] * 50

    def worker(i):
        try:
            cl = Client(d.socket, timeout=30)
            results[i] = cl.handshake() and cl.call(PROC_GET_TYPE)[0][5] == 0
            cl.close()
        except (OSError, TypeError):
            results[i] = False

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    tap.ok(all(results), "50 concurrent connections complete a handshake",
           "%d failed" % results.count(False))

    c = Client(d.socket)
    c.handshake()
    dom = xdr_string("slow") + b"\x42" * 16 + struct.pack(">i", -1)
    for i in range(10):
        c.send(frame(REMOTE, PROC_CAPS, 100 + i))
        c.send(frame(REMOTE, PROC_LIST_ALL, 200 + i, struct.pack(">iI", 1, 3)))
    c.send(frame(REMOTE, PROC_SAVE, 300, dom + xdr_string("/tmp/slow-x")))
    c.close()
    time.sleep(0.5)
    tap.ok(d.running() and serves(d),
           "client gone with calls in flight: daemon keeps serving")


if __name__ == "__main__":
    main()
