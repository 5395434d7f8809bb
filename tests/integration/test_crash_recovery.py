#!/usr/bin/env python3
"""A daemon killed (SIGKILL) in the middle of a save, then started again.

SPDX-License-Identifier: LGPL-2.1-or-later

A 512 MiB guest saves with --bypass-cache to the disk of the test's
root directory while its QEMU is held to a few MiB/s by a cgroup v1
blkio throttle the test makes, so the save is still running when the
daemon is killed; then QEMU is let out of the throttle. The restarted
daemon must find the interrupted save in the status file and undo it
(these sparse saves run multifd mapped-ram migrations, which recovery
lets complete instead of cancelling, see qemuSaveCanCancel()):

  * the guest runs again (or stays paused when it was paused before),
    and no job is left;
  * the partial image `<image>.<pid>.<n>.part` is gone, the target is
    untouched, and the daemon's log names each recovery step;
  * a new save works, and the restored guest's memory check passes.

The same is done for a paused guest, for a managed save, and for a
save whose migration QEMU completes while no daemon runs (the image is
still not committed: it is discarded and the guest resumed). The cgroup
carries the pid and is removed at the end.
"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

LIMIT_BPS = 8 * 1024 * 1024
MEMORY_MIB = 512


def parts(directory, base):
    return [f for f in os.listdir(directory)
            if f.startswith(base + ".") and f.endswith(".part")]


def wait_part_growing(directory, base, timeout=60):
    """Wait until a partial image of @base holds some data."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in parts(directory, base):
            try:
                if os.stat(os.path.join(directory, p)).st_blocks * 512 > \
                        4 * 1024 * 1024:
                    return p
            except FileNotFoundError:
                pass
        time.sleep(0.1)
    return None


def serial_passes(serial):
    with open(serial, errors="replace") as f:
        found = re.findall(r"VSGUEST VERIFY OK pass=(\d+)", f.read())
    return int(found[-1]) if found else 0


def wait_part_still(path, timeout=120):
    """Wait until @path has not grown for 3 s (QEMU finished writing)."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        try:
            size = os.stat(path).st_blocks
        except FileNotFoundError:
            return False
        if size != last:
            last, since = size, time.monotonic()
        elif time.monotonic() - since > 3:
            return True
        time.sleep(0.2)
    return False


def crash_during(tap, d, throttle, name, save_args, what, expect_state,
                 part_dir, part_base, target=None, steps=None,
                 let_finish=False):
    """Start a save, SIGKILL the daemon during it, start a new daemon.

    With @let_finish, QEMU is freed from the throttle and finishes the
    migration before the new daemon starts. Returns the new daemon.
    """
    throttle.add(d.qemu_pid(name))
    save = subprocess.Popen(["virsh", "-c", d.uri] + save_args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    part = wait_part_growing(part_dir, part_base)
    time.sleep(2)
    still = save.poll() is None
    tap.ok(part is not None and still,
           "%s: the save is running, '%s' being written" % (what, part),
           "virsh: %r" % (save.poll(),))
    pid = d.qemu_pid(name)
    d.proc.kill()
    d.proc.wait()
    save.communicate(timeout=60)
    tap.ok(part is not None and os.path.exists(os.path.join(part_dir, part)),
           "%s: SIGKILL leaves the partial image behind" % what)
    # Recovery lets a multifd mapped-ram migration complete rather than
    # cancel it (QEMU 10.0 can crash cancelling one): at the throttled
    # rate that would outlast the recovery's wait.
    throttle.release(pid)
    if let_finish:
        tap.ok(part is not None and
               wait_part_still(os.path.join(part_dir, part)),
               "%s: QEMU finishes writing with no daemon" % what)

    again = vstest.Daemon(root=d.root)
    begin = time.monotonic()
    again.start(timeout=120)
    tap.diag("%s: the new daemon answered after %.1fs" %
             (what, time.monotonic() - begin))
    r = again.virsh("domstate", name, "--reason")
    tap.ok(r.returncode == 0 and r.stdout.strip().startswith(expect_state),
           "%s: the domain is %s again" % (what, expect_state),
           r.stdout + r.stderr)
    r = again.virsh("domjobinfo", name)
    tap.ok(r.returncode == 0 and re.search(r"Job type:\s+None", r.stdout),
           "%s: no job is left" % what, r.stdout + r.stderr)
    left = parts(part_dir, part_base)
    tap.ok(not left, "%s: no partial image is left" % what, repr(left))
    if target is not None:
        tap.ok(not os.path.exists(target),
               "%s: the target was never created" % what)
    log = again.log_text()
    if steps is None:
        # QEMU, out of the throttle, may complete the image before the
        # new daemon asks or while it waits; either way it is discarded.
        steps = ["did not end; recovering",
                 "written but never committed",
                 "removed the partial save image",
                 "migration settings reset"]
    missing = [s for s in steps if s not in log]
    tap.ok(not missing, "%s: the log names each recovery step" % what,
           "missing %r" % missing)
    return again


def main():
    tap = vstest.TAP()
    if os.geteuid() != 0 or not vstest.BlkioThrottle.available("write"):
        tap.skip_all("needs root and the cgroup v1 blkio controller")
    d = first = vstest.Daemon()
    # Managed saves: the fast path, through QEMU, bypassing the cache, so
    # that QEMU's writes are the ones the cgroup throttles.
    os.makedirs(os.path.join(d.root, "etc"), exist_ok=True)
    with open(os.path.join(d.root, "etc", "qemu.conf"), "w") as f:
        f.write('save_image_format = "sparse"\nauto_save_bypass_cache = 1\n')
    d.start()
    throttle = vstest.BlkioThrottle(d.root, "write", LIMIT_BPS, "vsrecover")
    name = "crash%d" % os.getpid()
    serial = os.path.join(d.root, name + ".log")
    img = os.path.join(d.root, name + ".img")
    try:
        throttle.create()
        xml = os.path.join(d.root, name + ".xml")
        with open(xml, "w") as f:
            f.write(vstest.domain_xml(name, serial, memory_mib=MEMORY_MIB,
                                      cmdline="seed=0x5eed fill=100"))
        r = d.virsh("define", xml)
        r = d.virsh("start", name) if r.returncode == 0 else r
        tap.ok(r.returncode == 0, "512 MiB guest starts", r.stderr)
        tap.ok(vstest.wait_for_serial(serial, r"VSGUEST VERIFY OK pass=1",
                                      timeout=300) is not None,
               "the guest filled and checked its memory")

        save = ["save", name, img, "--bypass-cache", "--image-format",
                "sparse", "--parallel-channels", "2"]
        d = crash_during(tap, d, throttle, name, save, "running guest",
                         "running", d.root, name + ".img", target=img)
        seen = serial_passes(serial)
        tap.ok(vstest.wait_for_serial(
            serial, r"VSGUEST VERIFY OK pass=%d" % (seen + 1),
            timeout=120) is not None,
            "the resumed guest's memory check passes")
        r = d.virsh("suspend", name)
        tap.ok(r.returncode == 0, "suspend", r.stderr)
        d = crash_during(tap, d, throttle, name, save, "paused guest",
                         "paused (user)", d.root, name + ".img", target=img)
        r = d.virsh("resume", name)
        tap.ok(r.returncode == 0, "resume", r.stderr)

        savedir = os.path.join(d.root, "lib", "save")
        d = crash_during(tap, d, throttle, name, ["managedsave", name],
                         "managed save", "running", savedir, name + ".save",
                         target=os.path.join(savedir, name + ".save"))

        d = crash_during(tap, d, throttle, name, save,
                         "save completed with no daemon", "running",
                         d.root, name + ".img", target=img, let_finish=True,
                         steps=["did not end; recovering",
                                "save's migration is 'completed'",
                                "written but never committed",
                                "removed the partial save image",
                                "migration settings reset"])
        seen = serial_passes(serial)
        tap.ok(vstest.wait_for_serial(
            serial, r"VSGUEST VERIFY OK pass=%d" % (seen + 1),
            timeout=120) is not None,
            "the guest resumed after a completed migration checks its "
            "memory")

        throttle.remove()
        r = d.virsh(*save, timeout=600)
        tap.ok(r.returncode == 0 and os.path.exists(img),
               "a new save works", r.stdout + r.stderr)
        offset = os.path.getsize(serial)
        r = d.virsh("restore", img, timeout=600)
        tap.ok(r.returncode == 0, "restore", r.stderr)
        tap.ok(vstest.wait_for_serial(serial, r"VSGUEST VERIFY OK pass=",
                                      timeout=120, offset=offset) is not None,
               "the restored guest's memory check passes")
        bad = vstest.wait_for_serial(serial, r"VSGUEST VERIFY BAD",
                                     timeout=0)
        tap.ok(bad is None, "no memory check ever failed",
               bad.group(0) if bad else None)
    finally:
        throttle.remove()
        if not d.running():
            # killed by a failed step: a new daemon ends what it left
            d = vstest.Daemon(root=first.root).start(timeout=120)
        d.virsh("destroy", name)
        d.virsh("managedsave-remove", name)
        d.virsh("undefine", name)
        d.stop()
        first.cleanup()
    tap.exit()


if __name__ == "__main__":
    main()
