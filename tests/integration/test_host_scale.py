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
  the key.
"""

import os
import re
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


def define(tap, d, root, name, kernel_ok=True):
    serial = os.path.join(root, name + ".serial")
    xml = vstest.domain_xml(name, serial, cmdline=CMDLINE)
    if not kernel_ok:
        xml = xml.replace(vstest.guest_kernel(),
                          os.path.join(root, "no-such-kernel"))
    path = os.path.join(root, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    r = d.virsh("define", path)
    tap.ok(r.returncode == 0, "define %s" % name, text(r))
    return serial


def log_text(d):
    try:
        with open(d.log_path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


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
            tap.ok("cannot autostart domain 'as-broken'" in log_text(d2),
                   "the failed autostart is logged by name",
                   log_text(d2)[-2000:])
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


def main():
    tap = vstest.TAP()
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("test guest not built")
    test_bad_config(tap)
    test_autostart(tap)
    tap.exit()


if __name__ == "__main__":
    main()
