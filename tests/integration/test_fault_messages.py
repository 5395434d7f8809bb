#!/usr/bin/env python3
"""What the daemon's log and its errors say when saves and restores fail.

SPDX-License-Identifier: LGPL-2.1-or-later

The daemon runs at its default log level (no --verbose):

  * a save, a restore and a failed save are in its log;
  * a restore whose QEMU is killed says that QEMU was killed, and by
    which signal, instead of "domain is not running";
  * of two restores of one image started together, the loser says that
    a restore of that domain is already running.

Restores read the image with --bypass-cache while the daemon (and so
every QEMU it starts) sits in a cgroup v1 blkio group that caps reads
from the disk of the test's root, so that a restore lasts long enough
to be killed or raced. The group carries the pid and is removed at the
end.
"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

READ_BPS = 8 * 1024 * 1024


def virsh_bg(d, *args):
    return subprocess.Popen(["virsh", "-q", "-c", d.uri] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, LC_ALL="C"))


def main():
    tap = vstest.TAP()
    if os.geteuid() != 0 or not vstest.BlkioThrottle.available("read"):
        tap.skip_all("needs root and the cgroup v1 blkio controller")
    d = vstest.Daemon(verbose=False).start()
    throttle = vstest.BlkioThrottle(d.root, "read", READ_BPS, "vsmsg")
    name = "msg%d" % os.getpid()
    serial = os.path.join(d.root, name + ".log")
    img = os.path.join(d.root, name + ".img")
    try:
        xml = os.path.join(d.root, name + ".xml")
        with open(xml, "w") as f:
            f.write(vstest.domain_xml(name, serial, memory_mib=256,
                                      cmdline="seed=0x3e55 fill=100"))
        r = d.virsh("create", xml)
        tap.ok(r.returncode == 0, "256 MiB guest starts", r.stderr)
        vstest.wait_for_serial(serial, r"VSGUEST VERIFY OK pass=1",
                               timeout=300)

        r = d.virsh("save", name, os.path.join(d.root, "none", "x.img"))
        tap.ok(r.returncode != 0, "a save into a missing directory fails")
        r = d.virsh("save", name, img, "--bypass-cache")
        tap.ok(r.returncode == 0, "save", r.stderr)
        log = d.log_text()
        tap.ok(re.search(r"save to '%s' completed" % re.escape(img), log),
               "the default log level shows a completed save", log[-2000:])
        tap.ok(re.search(r"save of domain \S+ failed: cannot create save "
                         r"image", log),
               "... and a failed save with its reason", log[-2000:])

        throttle.create()
        throttle.add(d.proc.pid)

        restore = virsh_bg(d, "restore", img, "--bypass-cache")
        pid = d.qemu_pid(name, timeout=60)
        time.sleep(2)
        tap.ok(pid is not None and restore.poll() is None,
               "a throttled restore is running", "pid %r" % pid)
        tap.diag("killing QEMU %r" % pid)
        if pid:
            os.kill(pid, 9)
        out, err = restore.communicate(timeout=120)
        tap.diag("restore: rc=%r %s" % (restore.returncode, err.strip()))
        tap.ok(restore.returncode != 0 and
               "QEMU exited during the restore of domain '%s': killed by "
               "signal 9" % name in err,
               "a restore whose QEMU is killed says so", err)
        tap.ok("domain is not running" not in err,
               "... and not 'domain is not running'", err)
        log = d.log_text()
        tap.ok("restore failed: QEMU exited during the restore" in log,
               "the failed restore is in the log", log[-2000:])

        first = virsh_bg(d, "restore", img, "--bypass-cache")
        second = virsh_bg(d, "restore", img, "--bypass-cache")
        results = []
        for p in (first, second):
            out, err = p.communicate(timeout=300)
            results.append((p.returncode, err.strip()))
        ok = sorted(rc for rc, _ in results) == [0, 1]
        loser = [e for rc, e in results if rc != 0]
        tap.ok(ok and loser and
               "a restore of domain '%s' is already running" % name
               in loser[0],
               "of two restores at once, the loser says a restore of the "
               "domain is already running", repr(results))
        r = d.virsh("domstate", name)
        tap.ok(r.stdout.strip() == "running", "the winner runs", r.stdout)
        log = d.log_text()
        tap.ok(re.search(r"restored from '%s'" % re.escape(img), log),
               "the default log level shows a completed restore",
               log[-2000:])
    finally:
        throttle.remove()
        d.virsh("destroy", name)
        d.stop()
        d.cleanup()
    tap.exit()


if __name__ == "__main__":
    main()
