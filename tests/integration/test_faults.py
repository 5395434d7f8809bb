#!/usr/bin/env python3
"""Faults an unlucky operator or a hostile local user can cause.

SPDX-License-Identifier: LGPL-2.1-or-later

Each case reproduces a way to make the daemon block, lock other users
out or grow without bound, and checks that it no longer does:

  * a FIFO given as a save image (restore, save-image-dumpxml,
    `virtsave image verify`) and as a save target is refused at once,
    and other calls are answered while the hostile ones run;
  * relative paths sent over the protocol are refused;
  * a member of the socket's group through a supplementary group gets
    read-write access;
  * 200 idle, half-a-word and half-a-call connections of one user
    neither lock the others out nor stay for ever, and that user's
    next virsh is told which limit refused it instead of dying of
    SIGPIPE;
  * 60 authenticated connections that each announce a 32 MiB message
    and send 31 MiB of it cannot make the daemon buffer more than the
    configured bound, and are dropped when they stall.

Every name made on the host (group, directories) carries the pid and is
removed at the end.
"""

import grp
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from test_protocol_robustness import (  # noqa: E402
    Client, frame, parse_error, xdr_string, REMOTE)

PROC_RESTORE, PROC_SAVE, PROC_IMAGE_XML = 54, 55, 235
NOBODY = 65534
INCOMPLETE_MIB = 64


def timed(fn, *args, **kwargs):
    """(result, seconds) of @fn."""
    begin = time.monotonic()
    r = fn(*args, **kwargs)
    return r, time.monotonic() - begin


def daemon_rss_mib(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return -1


def list_answered(d, within=5.0):
    """virsh list as root completes within @within seconds."""
    r, secs = timed(d.virsh, "list", "--all", timeout=within + 5)
    return r.returncode == 0 and secs < within, secs, r.stderr


def case_fifo(tap, d):
    fifo = os.path.join(d.root, "f.img")
    os.mkfifo(fifo, 0o600)
    results = []

    def hostile(cmd):
        results.append(timed(d.virsh, cmd, fifo, timeout=30))

    threads = [threading.Thread(target=hostile,
                                args=("restore" if i % 2 else
                                      "save-image-dumpxml",))
               for i in range(8)]
    for t in threads:
        t.start()
    ok, secs, err = list_answered(d)
    tap.ok(ok, "a valid call is answered while 8 calls name a FIFO",
           "%.1fs %s" % (secs, err))
    for t in threads:
        t.join()
    tap.ok(len(results) == 8 and
           all(r.returncode != 0 and "is not a regular file" in r.stderr and
               s < 10 for r, s in results),
           "restore and save-image-dumpxml of a FIFO fail at once",
           "\n".join("%.1fs rc=%d %s" % (s, r.returncode, r.stderr.strip())
                     for r, s in results))

    r, secs = timed(subprocess.run, [vstest.virtsave_tool(), "image", "verify",
                                     fifo], capture_output=True, text=True,
                    timeout=30)
    tap.ok(r.returncode != 0 and secs < 10 and
           "is not a regular file" in r.stdout + r.stderr,
           "virtsave image verify of a FIFO fails at once",
           "%.1fs rc=%d %s" % (secs, r.returncode, r.stderr))

    name = "fifo%d" % os.getpid()
    xml = os.path.join(d.root, name + ".xml")
    with open(xml, "w") as f:
        f.write(vstest.domain_xml(name, os.path.join(d.root, name + ".log")))
    r = d.virsh("create", xml)
    tap.ok(r.returncode == 0, "guest starts", r.stderr)
    r, secs = timed(d.virsh, "save", name, fifo, timeout=30)
    tap.ok(r.returncode != 0 and secs < 10 and
           "is not a regular file" in r.stderr,
           "a save to an existing FIFO is refused",
           "%.1fs %s" % (secs, r.stderr))
    r = d.virsh("domstate", name)
    tap.ok(r.stdout.strip() == "running", "the guest still runs", r.stdout)
    d.virsh("destroy", name)
    os.unlink(fifo)


def case_relative(tap, d):
    c = Client(d.socket)
    tap.ok(c.handshake(), "raw client opens a connection")
    dom = xdr_string("nosuch") + b"\0" * 16 + struct.pack(">i", -1)
    calls = [
        ("DOMAIN_SAVE", PROC_SAVE, dom + xdr_string("rel.img")),
        ("DOMAIN_RESTORE", PROC_RESTORE, xdr_string("rel.img")),
        ("SAVE_IMAGE_GET_XML_DESC", PROC_IMAGE_XML,
         xdr_string("rel.img") + struct.pack(">I", 0)),
    ]
    for what, proc, payload in calls:
        reply = c.call(proc, payload)
        got = parse_error(reply[1]) if reply and reply[0][5] == 1 else None
        tap.ok(got is not None and got[0] == 8 and
               "path 'rel.img' is not absolute" in (got[2] or ""),
               "%s with a relative path is refused" % what, repr(got))
    c.close()


def nobody_env(home):
    env = dict(os.environ)
    env.update(HOME=home, XDG_CACHE_HOME=home, XDG_CONFIG_HOME=home,
               XDG_RUNTIME_DIR=home)
    return env


def as_nobody(groups, cmd, home, timeout=30, **kwargs):
    """Run @cmd as uid/gid nobody with supplementary @groups."""
    g = ["--groups", ",".join(str(x) for x in groups)] if groups else \
        ["--clear-groups"]
    full = ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY)] + \
        g + cmd
    return subprocess.run(full, capture_output=True, text=True,
                          timeout=timeout, env=nobody_env(home), **kwargs)


def open_root(d):
    """Let other users reach the socket of @d."""
    os.chmod(d.root, 0o755)
    os.chmod(os.path.join(d.root, "run"), 0o755)


def case_groups(tap, home):
    group = "vsflt%d" % os.getpid()
    if subprocess.run(["groupadd", group]).returncode != 0:
        tap.skip("supplementary group", "cannot add a group")
        return
    try:
        gid = grp.getgrnam(group).gr_gid
        cfg = 'unix_sock_group = "%s"\nunix_sock_rw_perms = "0770"\n' % group
        with vstest.Daemon(config=cfg) as d:
            open_root(d)
            r = as_nobody([gid], ["virsh", "-c", d.uri, "list", "--all"],
                          home)
            tap.ok(r.returncode == 0,
                   "a user with the socket's group as supplementary group "
                   "gets read-write access", r.stderr)
            r = as_nobody([], ["virsh", "-c", d.uri, "list", "--all"], home)
            tap.ok(r.returncode != 0, "a user without it does not",
                   r.stdout + r.stderr)
    finally:
        subprocess.run(["groupdel", group])


IDLE_HOLDER = r"""
import socket, struct, sys, time
path, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
socks, refused = [], 0
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        if i % 3 == 1:
            s.send(struct.pack(">I", 28)[:2])   # half a length word
        elif i % 3 == 2:
            # half of a 64 KiB call (the most allowed before the open)
            s.send(struct.pack(">IIIiIII", 65536, 0x20008086, 1, 66, 0,
                               i, 0) + bytes(32768))
        socks.append(s)
    except OSError:
        refused += 1
print("ready", flush=True)
time.sleep(hold)
dropped = 0
for s in socks:
    s.setblocking(False)
    try:
        # a refused call may have been answered first: read to the end
        while s.recv(65536):
            pass
        dropped += 1
    except BlockingIOError:
        pass
    except OSError:
        dropped += 1
print("held %d dropped %d" % (len(socks), dropped), flush=True)
"""


def case_idle(tap, home):
    cfg = 'unix_sock_rw_perms = "0777"\nanonymous_client_timeout = 4\n'
    with vstest.Daemon(config=cfg) as d:
        open_root(d)
        holder = subprocess.Popen(
            ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY),
             "--clear-groups", sys.executable, "-c", IDLE_HOLDER, d.socket,
             "200", "8"], stdout=subprocess.PIPE, text=True,
            env=nobody_env(home))
        line = holder.stdout.readline().strip()
        tap.ok(line == "ready", "one user opens 200 connections: idle, with "
               "half a length word, with half a call", line)
        ok, secs, err = list_answered(d)
        tap.ok(ok, "another client is served while they are held",
               "%.1fs %s" % (secs, err))
        # refused connections are answered for up to 2 s each: let the
        # holder's own refusals end first
        time.sleep(3)
        r = as_nobody([], ["virsh", "-c", d.uri, "-r", "list"], home)
        tap.ok(r.returncode == 1 and
               "too many connections (max_clients_per_uid" in r.stderr,
               "the same user's 201st connection is refused with a message, "
               "not killed by SIGPIPE",
               "rc=%d %s" % (r.returncode, r.stderr.strip()))
        out, _ = holder.communicate(timeout=60)
        held, dropped = [int(x) for x in out.split()[1::2]]
        tap.ok(held >= 1 and dropped == held,
               "connections that never open are dropped after the timeout",
               out)
        ok, secs, err = list_answered(d)
        tap.ok(ok, "the daemon still serves afterwards", err)


def partial_sender(path, results):
    try:
        c = Client(path, timeout=30)
        if not c.handshake():
            results.append("handshake")
            return
        body = frame(REMOTE, 1, 99, b"\0" * (32 * 1024 * 1024 - 28))
        c.send(body[:31 * 1024 * 1024])
        results.append(c)
    except OSError as e:
        results.append(e)


def case_partial(tap, home):
    cfg = "message_timeout = 6\nmax_incomplete_mib = %d\n" % INCOMPLETE_MIB
    with vstest.Daemon(config=cfg) as d:
        base = daemon_rss_mib(d)
        results = []
        threads = [threading.Thread(target=partial_sender,
                                    args=(d.socket, results))
                   for _ in range(60)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        peak = daemon_rss_mib(d)
        clients = [r for r in results if isinstance(r, Client)]
        tap.diag("RSS %.0f MiB before, %.0f MiB with 60 partial 32 MiB "
                 "messages; %d senders got all bytes out" %
                 (base, peak, len(clients)))
        bound = base + INCOMPLETE_MIB + 64
        tap.ok(peak < bound, "RSS stays under %.0f MiB (max_incomplete_mib "
               "%d + 64 MiB slack)" % (bound, INCOMPLETE_MIB),
               "%.0f MiB" % peak)
        ok, secs, err = list_answered(d)
        tap.ok(ok, "another client is served meanwhile",
               "%.1fs %s" % (secs, err))
        dropped = sum(1 for c in clients if c.closed_by_peer(12))
        tap.ok(dropped == len(clients),
               "stalled messages are dropped after message_timeout",
               "%d of %d" % (dropped, len(clients)))
        for c in clients:
            c.close()

        c = Client(d.socket)
        c.send(struct.pack(">I", 32 * 1024 * 1024))
        tap.ok(c.closed_by_peer(5),
               "a 32 MiB message before CONNECT_OPEN is refused at once")
        c.close()


def case_sigterm(tap):
    """SIGTERM while virsh saves: the save completes and virsh exits 0."""
    d = vstest.Daemon().start()
    name = "term%d" % os.getpid()
    serial = os.path.join(d.root, name + ".log")
    img = os.path.join(d.root, name + ".img")
    try:
        xml = os.path.join(d.root, name + ".xml")
        with open(xml, "w") as f:
            f.write(vstest.domain_xml(name, serial, memory_mib=128,
                                      cmdline="seed=0x7e57 fill=100"))
        r = d.virsh("create", xml)
        tap.ok(r.returncode == 0, "128 MiB guest starts", r.stderr)
        vstest.wait_for_serial(serial, r"VSGUEST VERIFY OK pass=1",
                               timeout=120)
        save = subprocess.Popen(["virsh", "-c", d.uri, "save", name, img, "--verbose",
                                 "--image-format", "gzip"],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and \
                not any(f.startswith(name + ".img.") and f.endswith(".part")
                        for f in os.listdir(d.root)):
            time.sleep(0.01)
        r, secs = timed(d.virsh, "undefine", name, timeout=60)
        tap.ok(r.returncode != 0 and secs < 5 and
               "a save job is running" in r.stderr,
               "undefine during the save is refused at once",
               "%.1fs %s" % (secs, r.stderr))
        status = d.stop(timeout=120)
        out, err = save.communicate(timeout=120)
        tap.ok(save.returncode == 0 and "saved" in out,
               "virsh save exits 0 when the daemon is stopped during it",
               "rc=%d %s %s" % (save.returncode, out, err))
        tap.ok(status == 0 and os.path.exists(img),
               "the daemon exits 0 after the save, the image is there",
               "status %r\n%s" % (status, d.output()))
    finally:
        if d.running():
            d.stop()
        # a daemon stop leaves guests running; a new daemon on the same
        # root reattaches to whatever QEMU is left and ends it
        again = vstest.Daemon(root=d.root)
        try:
            again.start()
            r = again.virsh("domstate", name)
            tap.diag("after the restart '%s' is: %s" %
                     (name, (r.stdout + r.stderr).strip()))
            again.virsh("destroy", name)
        finally:
            if again.running():
                again.stop()
        d.cleanup()


def main():
    tap = vstest.TAP()
    home = tempfile.mkdtemp(prefix="vsfaults-%d-" % os.getpid())
    os.chmod(home, 0o777)
    try:
        with vstest.Daemon() as d:
            case_fifo(tap, d)
            case_relative(tap, d)
        case_groups(tap, home)
        case_idle(tap, home)
        case_partial(tap, home)
        case_sigterm(tap)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    tap.exit()


if __name__ == "__main__":
    main()
