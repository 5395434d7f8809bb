#!/usr/bin/env python3
"""Saves that run at the same time take turns (save_max_concurrent).

SPDX-License-Identifier: LGPL-2.1-or-later

A daemon with save_max_concurrent = 1 and three running test guests.
The first guest's save is held to a few MiB/s by a cgroup v1 blkio
write throttle, so that it keeps its turn for a while. Then:

- a second save waits for its turn with its guest still running, and
  starts once the first has ended; both images verify, and the log says
  who waited and for how long;
- a third save, aborted with `virsh domjobabort` while it waits, fails
  with "canceled by client" and leaves its guest running, never paused.

The order of the turns and the CPU share of an automatic channel count
are unit-tested (tests/qemu/ioschedtest.c).

Prints TAP.
"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

LIMIT_BPS = 16 * 1024 * 1024
CMDLINE = "seed=0x7e57 fill=60"


def start_guest(tap, d, name, memory_mib):
    serial = os.path.join(d.root, name + ".log")
    xml = os.path.join(d.root, name + ".xml")
    with open(xml, "w") as f:
        f.write(vstest.domain_xml(name, serial, memory_mib=memory_mib,
                                  cmdline=CMDLINE))
    r = d.virsh("define", xml)
    r = d.virsh("start", name) if r.returncode == 0 else r
    tap.ok(r.returncode == 0 and vstest.wait_for_serial(
        serial, r"VSGUEST VERIFY OK pass=1", timeout=300) is not None,
        "%s (%d MiB) starts and checks its memory" % (name, memory_mib),
        r.stderr)


def save(d, name, img):
    return subprocess.Popen(["virsh", "-c", d.uri, "save", name, img,
                             "--image-format", "sparse", "--bypass-cache"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_log(d, pattern, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(pattern, d.log_text())
        if m:
            return m
        time.sleep(0.1)
    return None


def main():
    tap = vstest.TAP()
    if os.geteuid() != 0 or not vstest.BlkioThrottle.available("write"):
        tap.skip_all("needs root and the cgroup v1 blkio controller")
    d = vstest.Daemon()
    os.makedirs(os.path.join(d.root, "etc"), exist_ok=True)
    with open(os.path.join(d.root, "etc", "qemu.conf"), "w") as f:
        f.write("save_max_concurrent = 1\n")
    d.start()
    throttle = vstest.BlkioThrottle(d.root, "write", LIMIT_BPS, "vsturns")
    names = ["turn%d-%d" % (i, os.getpid()) for i in range(3)]
    images = [os.path.join(d.root, n + ".img") for n in names]
    try:
        throttle.create()
        for name, mib in zip(names, (256, 128, 128)):
            start_guest(tap, d, name, mib)
        throttle.add(d.qemu_pid(names[0]))

        first = save(d, names[0], images[0])
        tap.ok(wait_log(d, r"domain '%s': saving to" % names[0]) is not None,
               "the first save runs")
        second = save(d, names[1], images[1])
        waiting = wait_log(d, r"domain save of domain '%s' waits for its "
                           r"turn: 1 of at most 1 running" % names[1])
        tap.ok(waiting is not None, "the second save waits for its turn")
        r = d.virsh("domstate", names[1])
        tap.ok(r.stdout.strip() == "running", "its guest runs meanwhile",
               r.stdout + r.stderr)

        third = save(d, names[2], images[2])
        tap.ok(wait_log(d, r"of domain '%s' waits for its turn" %
                        names[2]) is not None, "a third save waits too")
        r = d.virsh("domjobabort", names[2])
        out, err = third.communicate(timeout=60)
        tap.ok(r.returncode == 0 and third.returncode != 0 and
               "canceled by client" in err,
               "domjobabort ends the third save's wait", err)
        r = d.virsh("domstate", names[2], "--reason")
        tap.ok(r.stdout.strip() == "running (booted)" and
               not os.path.exists(images[2]),
               "its guest was never paused and no image is left",
               r.stdout + r.stderr)
        tap.ok(second.poll() is None and first.poll() is None,
               "the first two saves are still under way")

        throttle.release(d.qemu_pid(names[0]))
        for proc, name, img in ((first, names[0], images[0]),
                                (second, names[1], images[1])):
            out, err = proc.communicate(timeout=300)
            tap.ok(proc.returncode == 0 and os.path.exists(img),
                   "the save of %s completes" % name, err)
            r = subprocess.run([vstest.virtsave_tool(), "image", "verify",
                                img], capture_output=True, text=True)
            tap.ok(r.returncode == 0, "%s's image verifies" % name,
                   r.stdout + r.stderr)
        m = re.search(r"domain save of domain '%s' starts after waiting "
                      r"(\d+) ms" % names[1], d.log_text())
        tap.ok(m is not None, "the log says how long the second save "
               "waited (%s ms)" % (m.group(1) if m else None))
        r = d.virsh("restore", images[1])
        tap.ok(r.returncode == 0, "the second guest restores", r.stderr)
    finally:
        throttle.remove()
        for name in names:
            d.virsh("destroy", name)
            d.virsh("undefine", name)
        d.stop()
        d.cleanup()
    tap.exit()


if __name__ == "__main__":
    main()
