#!/usr/bin/env python3
"""A save checks the QEMU that runs, not the binary now on disk.

SPDX-License-Identifier: LGPL-2.1-or-later

A guest is started with an <emulator> that is a link to the real QEMU.
The daemon stops (the guest runs on), and the link is replaced by a
wrapper that runs the real QEMU but hides the "mapped-ram" migration
capability from whoever asks over QMP: to the daemon's capability probe
this binary cannot write the sparse format. A new daemon reattaches to
the running QEMU. Then:

- a sparse save with --bypass-cache and two channels succeeds, because
  the QEMU that writes it, the one started before, has mapped-ram;
- restoring that image with the wrapper in place is refused before any
  QEMU starts, with the binary's own error, and nothing is left behind;
- with the link back, the image restores and the guest goes on
  checking its memory.

Prints TAP.
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "reattached"
CMDLINE = "seed=0x5eed fill=40"

# Runs the real QEMU ({real}) with its QMP socket moved aside and relays
# that socket to the path the caller asked for, dropping "mapped-ram"
# from query-migrate-capabilities replies.
WRAPPER = r'''#!{python}
import ctypes, json, os, select, signal, socket, subprocess, sys, time

REAL = {real!r}
args = sys.argv[1:]
path = None
for i, a in enumerate(args):
    if a == "-qmp" and args[i + 1].startswith("unix:"):
        spec = args[i + 1][len("unix:"):]
        path, _, opts = spec.partition(",")
        args[i + 1] = "unix:%s.real,%s" % (path, opts)
if path is None:
    os.execv(REAL, [REAL] + args)

libc = ctypes.CDLL(None)
qemu = subprocess.Popen([REAL] + args,
                        preexec_fn=lambda: libc.prctl(1, signal.SIGKILL))
signal.signal(signal.SIGTERM, lambda *a: (qemu.kill(), sys.exit(0)))
upstream = socket.socket(socket.AF_UNIX)
for _ in range(200):
    try:
        upstream.connect(path + ".real")
        break
    except OSError:
        time.sleep(0.05)
listener = socket.socket(socket.AF_UNIX)
listener.bind(path)
listener.listen(1)
client, _ = listener.accept()


def rewrite(line):
    try:
        msg = json.loads(line)
    except ValueError:
        return line
    ret = msg.get("return") if isinstance(msg, dict) else None
    if isinstance(ret, list) and ret and isinstance(ret[0], dict) \
            and "capability" in ret[0]:
        msg["return"] = [c for c in ret if c["capability"] != "mapped-ram"]
        return json.dumps(msg).encode() + b"\r\n"
    return line


pending = b""
while True:
    ready, _, _ = select.select([client, upstream], [], [])
    if client in ready:
        data = client.recv(65536)
        if not data:
            break
        upstream.sendall(data)
    if upstream in ready:
        data = upstream.recv(65536)
        if not data:
            break
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            client.sendall(rewrite(line + b"\n"))
qemu.kill()
qemu.wait()
'''


def point_emulator(link, target):
    tmp = link + ".new"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.rename(tmp, link)


def main():
    tap = vstest.TAP()
    real = shutil.which("qemu-system-x86_64")
    if not real:
        tap.skip_all("qemu-system-x86_64 is not installed")
    real = os.path.realpath(real)
    work = tempfile.mkdtemp(prefix="vsreattach-")
    link = os.path.join(work, "qemu-system-x86_64")
    wrapper = os.path.join(work, "qemu-hides-mapped-ram")
    with open(wrapper, "w") as f:
        f.write(WRAPPER.format(python=sys.executable, real=real))
    os.chmod(wrapper, stat.S_IRWXU)
    point_emulator(link, real)

    d = vstest.Daemon()
    again = None
    try:
        d.start()
        serial = os.path.join(d.root, NAME + ".log")
        xml = vstest.domain_xml(NAME, serial, memory_mib=256,
                                cmdline=CMDLINE)
        xml = xml.replace("<devices>\n", "<devices>\n    <emulator>%s"
                          "</emulator>\n" % link, 1)
        xml_path = os.path.join(work, NAME + ".xml")
        with open(xml_path, "w") as f:
            f.write(xml)
        r = d.virsh("define", xml_path)
        r = d.virsh("start", NAME) if r.returncode == 0 else r
        tap.ok(r.returncode == 0 and vstest.wait_for_serial(
            serial, r"VSGUEST VERIFY OK pass=1", timeout=300) is not None,
            "the guest starts from the linked QEMU and checks its memory",
            r.stderr)
        pid = d.qemu_pid(NAME, timeout=10)

        d.stop()
        tap.ok(pid is not None and os.path.exists("/proc/%d" % pid),
               "the guest's QEMU outlives the daemon")
        point_emulator(link, wrapper)

        again = vstest.Daemon(root=d.root)
        again.start()
        r = again.virsh("domstate", NAME)
        tap.ok(r.returncode == 0 and r.stdout.strip() == "running",
               "a new daemon reattaches to the running guest",
               r.stdout + r.stderr)
        log = again.log_text()
        tap.ok("mapped-ram 0" in log,
               "its probe of the binary now on disk finds no mapped-ram",
               "\n".join(line for line in log.splitlines()
                         if "capabilities" in line))

        img = os.path.join(work, NAME + ".img")
        r = again.virsh("save", NAME, img, "--image-format", "sparse",
                        "--bypass-cache", "--parallel-channels", "2")
        vstest.check_run(tap, r, "a sparse --bypass-cache save of the "
                         "reattached QEMU succeeds")
        r = again.virsh("domstate", NAME)
        tap.ok(r.stdout.strip() == "shut off", "the domain is shut off",
               r.stdout + r.stderr)
        r = subprocess.run([vstest.virtsave_tool(), "image", "verify", img],
                           capture_output=True, text=True)
        vstest.check_run(tap, r, "the image verifies")

        r = again.virsh("restore", img, "--bypass-cache")
        tap.ok(r.returncode != 0 and
               "not supported by this QEMU binary" in r.stderr,
               "a restore with that binary is refused: it has no mapped-ram",
               r.stderr)
        tap.ok(sorted(os.listdir(work)) == sorted([
            os.path.basename(p) for p in (link, wrapper, xml_path, img)]),
            "the refused restore leaves nothing behind", os.listdir(work))

        point_emulator(link, real)
        before = os.path.getsize(serial)
        r = again.virsh("restore", img, "--bypass-cache")
        vstest.check_run(tap, r, "with the real binary back, it restores")
        tap.ok(vstest.wait_for_serial(serial, r"VSGUEST VERIFY OK",
                                      timeout=300, offset=before)
               is not None, "the restored guest goes on checking its memory")
        again.virsh("destroy", NAME)
    finally:
        for daemon in (again, d):
            if daemon is not None and daemon.running():
                daemon.virsh("destroy", NAME)
                daemon.stop()
        d.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    tap.exit()


if __name__ == "__main__":
    main()
