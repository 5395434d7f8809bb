#!/usr/bin/env python3
"""Autostart at daemon start and the host-shutdown keys of qemu.conf.

SPDX-License-Identifier: LGPL-2.1-or-later

With real QEMU, the test guest and virsh:
- an autostart domain boots when the daemon starts;
- an autostart domain with a managed save image is restored from it and
  verifies its memory;
- a domain without autostart stays shut off;
- an autostart-once domain starts with the next daemon only;
- an autostart domain that cannot start is logged by name and does not
  stop the others;
- an unknown auto_shutdown_* value stops the daemon at start, naming
  the key;
- stopped for a host shutdown (SIGUSR2) with auto_shutdown_try_save =
  "all", the daemon saves three running guests concurrently, each image
  verifies, and a fourth guest whose save cannot fit on the save
  directory's small file system is logged by name and powered off; with
  auto_shutdown_restore the next daemon restores the three, which verify
  their memory, and boots the fourth.
"""

import ctypes
import os
import re
import signal
import subprocess
import time

import vstest

PASS_RE = re.compile(r"VSGUEST VERIFY OK pass=(\d+)")
BROKEN_RE = re.compile(r"VSGUEST (VERIFY BAD|FAULT|ERROR)")
CMDLINE = "seed=0x1234abcd fill=50"


def text(r):
    return "rc=%d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout,
                                               r.stderr)


def serial_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def last_pass(path):
    passes = [int(m.group(1)) for m in PASS_RE.finditer(serial_text(path))]
    return max(passes) if passes else 0


def wait_passes(path, after, count=2, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        data = serial_text(path)
        if BROKEN_RE.search(data):
            return False, data[-1500:]
        if last_pass(path) >= after + count:
            return True, None
        if time.monotonic() >= deadline:
            return False, "no pass %d; serial:\n%s" % (after + count,
                                                       data[-1500:])
        time.sleep(0.1)


def domstate(d, name):
    r = d.virsh("domstate", name, "--reason")
    return r.stdout.strip() if r.returncode == 0 else r.stderr.strip()


def wait_state(d, name, prefix, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        state = domstate(d, name)
        if state.startswith(prefix) or time.monotonic() >= deadline:
            return state
        time.sleep(0.2)


def define(tap, d, root, name, kernel_ok=True, memory_mib=64,
           cmdline=CMDLINE):
    serial = os.path.join(root, name + ".serial")
    xml = vstest.domain_xml(name, serial, memory_mib=memory_mib,
                            cmdline=cmdline)
    if not kernel_ok:
        xml = xml.replace(vstest.guest_kernel(),
                          os.path.join(root, "no-such-kernel"))
    path = os.path.join(root, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    r = d.virsh("define", path)
    tap.ok(r.returncode == 0, "define %s" % name, text(r))
    return serial


def test_autostart(tap):
    d = vstest.Daemon()
    root = d.root
    try:
        d.start()
        boot = define(tap, d, root, "as-boot")
        saved = define(tap, d, root, "as-saved")
        define(tap, d, root, "as-off")
        define(tap, d, root, "as-broken", kernel_ok=False)
        define(tap, d, root, "as-once")
        r = d.virsh("autostart", "--once", "as-once")
        tap.ok(r.returncode == 0, "autostart --once as-once", text(r))
        for name in ("as-boot", "as-saved", "as-broken"):
            r = d.virsh("autostart", name)
            tap.ok(r.returncode == 0, "autostart %s" % name, text(r))

        r = d.virsh("start", "as-saved")
        tap.ok(r.returncode == 0, "start as-saved", text(r))
        ok, diag = wait_passes(saved, 0, count=1)
        tap.ok(ok, "as-saved verifies its memory before the save", diag)
        before = last_pass(saved)
        r = d.virsh("managedsave", "as-saved")
        tap.ok(r.returncode == 0, "managedsave as-saved", text(r))
        d.stop()

        d2 = vstest.Daemon(root=root)
        d2.start()
        try:
            state = wait_state(d2, "as-boot", "running")
            tap.ok(state.startswith("running"),
                   "autostart domain boots at daemon start", state)
            m = vstest.wait_for_serial(boot, r"VSGUEST BOOT", timeout=60)
            tap.ok(m is not None, "as-boot's guest boots",
                   serial_text(boot)[-500:])
            state = wait_state(d2, "as-saved", "running")
            tap.ok(state == "running (restored)",
                   "autostart domain with a managed save image is restored",
                   state)
            ok, diag = wait_passes(saved, before)
            tap.ok(ok, "as-saved verifies its memory after the restore",
                   diag)
            r = d2.virsh("dominfo", "as-saved")
            tap.ok(re.search(r"Managed save:\s+no", r.stdout) is not None,
                   "the managed save image is gone after the restore",
                   text(r))
            state = domstate(d2, "as-off")
            tap.ok(state.startswith("shut off"),
                   "a domain without autostart stays shut off", state)
            tap.ok("cannot autostart domain 'as-broken'" in d2.log_text(),
                   "the failed autostart is logged by name",
                   d2.log_text()[-2000:])
            state = wait_state(d2, "as-once", "running")
            tap.ok(state.startswith("running"),
                   "an autostart-once domain boots at daemon start", state)
            r = d2.virsh("destroy", "as-once")
            tap.ok(r.returncode == 0, "destroy as-once", text(r))
        finally:
            for name in ("as-boot", "as-saved", "as-once"):
                d2.virsh("destroy", name)
            d2.stop()

        d3 = vstest.Daemon(root=root)
        d3.start()
        try:
            state = wait_state(d3, "as-boot", "running")
            tap.ok(state.startswith("running"),
                   "the autostart domain boots again", state)
            state = domstate(d3, "as-once")
            tap.ok(state.startswith("shut off"),
                   "autostart-once cleared itself after one start", state)
        finally:
            for name in ("as-boot", "as-saved", "as-once"):
                d3.virsh("destroy", name)
            d3.stop()
    finally:
        d.cleanup()


def test_bad_config(tap):
    d = vstest.Daemon()
    try:
        os.makedirs(os.path.join(d.root, "etc"), exist_ok=True)
        with open(os.path.join(d.root, "etc", "qemu.conf"), "w") as f:
            f.write('auto_shutdown_try_save = "sometimes"\n')
        try:
            d.start()
            started = True
        except RuntimeError:
            started = False
        d.stop()
        out = d.output()
        tap.ok(not started and "auto_shutdown_try_save" in out,
               "an unknown auto_shutdown_try_save value stops the start "
               "and names the key", out[-1500:])
    finally:
        d.cleanup()


SHUTDOWN_CONF = """auto_shutdown_try_save = "all"
auto_shutdown_try_shutdown = "all"
auto_shutdown_wait = 2
auto_shutdown_poweroff = "all"
auto_shutdown_restore = 1
"""
# The save directory's file system: room for the three small guests'
# saves (each checks for its RAM plus a margin before it pauses), not
# for the big one's.
SAVE_FS_MIB = 200
SMALL = ("hs-a", "hs-b", "hs-c")
BIG = "hs-big"


def mount_tmpfs(directory, size):
    libc = ctypes.CDLL(None, use_errno=True)
    os.makedirs(directory, exist_ok=True)
    opts = ("size=%d" % size).encode()
    if libc.mount(b"tmpfs", directory.encode(), b"tmpfs", 0, opts) != 0:
        return os.strerror(ctypes.get_errno())
    return None


def host_shutdown(tap, d, timeout):
    """SIGUSR2 the daemon; returns the seconds it took to exit."""
    start = time.monotonic()
    d.proc.send_signal(signal.SIGUSR2)
    try:
        d.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    secs = time.monotonic() - start
    tap.ok(d.proc.poll() == 0,
           "the daemon exits after the host shutdown steps in %.1f s "
           "(deadline %d s)" % (secs, timeout),
           "status %s\n%s" % (d.proc.poll(), d.log_text()[-3000:]))
    return secs


def check_concurrent(tap, log):
    """The three saves all began before the first one ended."""
    starts = [log.find("host shutdown: saving domain '%s'" % n)
              for n in SMALL]
    ends = [log.find("host shutdown: domain '%s' saved" % n) for n in SMALL]
    tap.ok(min(starts) >= 0 and min(ends) >= 0 and max(starts) < min(ends),
           "the three saves ran concurrently", log[-3000:])


def check_images(tap, root):
    for name in SMALL:
        path = os.path.join(root, "lib", "save", name + ".save")
        r = subprocess.run([vstest.virtsave_tool(), "image", "verify", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        tap.ok(r.returncode == 0, "%s's image verifies" % name, text(r))
    path = os.path.join(root, "lib", "save", BIG + ".save")
    tap.ok(not os.path.exists(path), "no image is left for %s" % BIG)


def run_until_shutdown(tap, d, root):
    serials = {}
    for name in SMALL:
        serials[name] = define(tap, d, root, name)
    big = define(tap, d, root, BIG, memory_mib=256,
                 cmdline="seed=0x77 fill=95")
    for name in SMALL + (BIG,):
        r = d.virsh("start", name)
        tap.ok(r.returncode == 0, "start %s" % name, text(r))
    before = {}
    for name in SMALL:
        ok, diag = wait_passes(serials[name], 0, count=1)
        tap.ok(ok, "%s verifies its memory before the shutdown" % name, diag)
        before[name] = last_pass(serials[name])
    ok, diag = wait_passes(big, 0, count=1)
    tap.ok(ok, "%s has filled its memory" % BIG, diag)

    host_shutdown(tap, d, 120)
    log = d.log_text()
    check_concurrent(tap, log)
    tap.ok("host shutdown: cannot save domain '%s'" % BIG in log,
           "the failed save is logged by name", log[-3000:])
    tap.ok("host shutdown: powering off domain '%s'" % BIG in log,
           "%s falls back to the power-off" % BIG, log[-3000:])
    for name in SMALL:
        tap.ok("powering off domain '%s'" % name not in log,
               "%s is saved, not powered off" % name)
    return serials, before


def check_restored(tap, d2, serials, before):
    for name in SMALL:
        state = wait_state(d2, name, "running", timeout=120)
        tap.ok(state == "running (restored)",
               "%s is restored at the next start" % name, state)
        ok, diag = wait_passes(serials[name], before[name])
        tap.ok(ok, "%s verifies its memory after the restore" % name, diag)
    state = wait_state(d2, BIG, "running", timeout=120)
    tap.ok(state == "running (booted)",
           "%s boots at the next start" % BIG, state)


def test_host_shutdown(tap):
    d = vstest.Daemon()
    root = d.root
    save_dir = os.path.join(root, "lib", "save")
    err = mount_tmpfs(save_dir, SAVE_FS_MIB * 1024 * 1024)
    if err:
        tap.skip("host shutdown", "cannot mount a small tmpfs: %s" % err)
        d.cleanup()
        return
    try:
        os.makedirs(os.path.join(root, "etc"), exist_ok=True)
        with open(os.path.join(root, "etc", "qemu.conf"), "w") as f:
            f.write(SHUTDOWN_CONF)
        d.start()
        try:
            serials, before = run_until_shutdown(tap, d, root)
        finally:
            d.stop()
        check_images(tap, root)

        d2 = vstest.Daemon(root=root)
        d2.start()
        try:
            check_restored(tap, d2, serials, before)
        finally:
            for name in SMALL + (BIG,):
                d2.virsh("destroy", name)
            d2.stop()
    finally:
        subprocess.run(["umount", save_dir])
        d.cleanup()


def main():
    tap = vstest.TAP()
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("test guest not built")
    test_bad_config(tap)
    test_autostart(tap)
    test_host_shutdown(tap)
    tap.exit()


if __name__ == "__main__":
    main()
