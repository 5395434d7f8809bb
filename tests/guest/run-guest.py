#!/usr/bin/env python3
# run-guest.py: boot the virtsave test guest in QEMU and wait for it to
# prove its memory, optionally across a save to a file and a restore
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Exit status: 0 when the guest reported VERIFY OK (after the restore too,
# with --save-restore), 1 on any failure (the serial log tail is printed),
# 77 when the QEMU binary is missing (the test is skipped).

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

OK_RE = re.compile(r"^VSGUEST VERIFY OK pass=(\d+)$")
MISMATCH_RE = re.compile(r"^VSGUEST VERIFY BAD addr=0x[0-9a-f]{8} "
                         r"expect=0x[0-9a-f]{8} got=0x[0-9a-f]{8}$")
BAD_RE = re.compile(r"^VSGUEST (VERIFY BAD|FAULT|ERROR)\b.*$")
BOOT_RE = re.compile(r"^VSGUEST BOOT mem=(\d+) seed=(0x[0-9a-f]{8})$")
FILLED_RE = re.compile(r"^VSGUEST FILLED bytes=(\d+) ms=(\d+)$")

POLL_INTERVAL = 0.05
SKIP = 77


def pick_accel(requested):
    """'kvm' if asked for, or for 'auto' when /dev/kvm opens read-write."""
    if requested != "auto":
        return requested
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return "tcg"
    os.close(fd)
    return "kvm"


def default_kernel():
    """vsguest.elf from the meson build tree, else from the current dir."""
    root = os.environ.get("VS_BUILD_ROOT")
    if root:
        return os.path.join(root, "tests", "guest", "vsguest.elf")
    return "vsguest.elf"


def guest_cmdline(args):
    words = []
    if args.seed is not None:
        words.append("seed=%s" % args.seed)
    if args.fill is not None:
        words.append("fill=%d" % args.fill)
    if args.pause is not None:
        words.append("pause=%d" % args.pause)
    return " ".join(words)


def qemu_argv(args, accel, serial, qmp, incoming=None):
    argv = [args.qemu,
            "-nodefaults", "-no-user-config", "-nographic",
            "-machine", "pc", "-accel", accel,
            "-m", str(args.memory), "-smp", str(args.smp),
            "-kernel", args.kernel, "-append", guest_cmdline(args),
            "-serial", "file:" + serial,
            "-qmp", "unix:%s,server=on,wait=off" % qmp,
            # a triple fault ends QEMU instead of rebooting the guest
            "-no-reboot"]
    cpu = args.cpu
    if cpu is None and accel == "kvm":
        # Plain "host" aborts QEMU on some nested KVM hosts, which refuse
        # the IA32_ARCH_CAPABILITIES value QEMU derives for the guest.
        cpu = "host,-arch-capabilities"
    if cpu:
        argv += ["-cpu", cpu]
    if incoming:
        argv += ["-incoming", incoming]
    return argv


class SerialLog:
    """Complete lines of a serial log file, read as they appear."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""

    def new_lines(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        # firmware output carries escape sequences; guest lines do not
        return [ln.decode("utf-8", "replace").rstrip("\r") for ln in lines]

    def tail(self, count=20):
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return "(no serial output)"
        lines = data.decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-count:])


class Qmp:
    """A minimal QMP client on a UNIX socket."""

    def __init__(self, path, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(POLL_INTERVAL)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rwb")
        self._read()                    # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise ConnectionError("QMP connection closed")
        return json.loads(line)

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg).encode() + b"\n")
        self.file.flush()
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError("%s: %s" % (command, reply["error"]["desc"]))
            # an asynchronous event: not ours

    def close(self):
        self.file.close()
        self.sock.close()


class Failure(Exception):
    pass


def wait_for_ok(proc, log, min_pass, timeout, t0, lines_seen,
                expect_bad=False):
    """Wait for 'VERIFY OK pass=N' with N >= @min_pass; return N.

    With @expect_bad, wait for a 'VERIFY BAD' line instead; return 0."""
    deadline = time.monotonic() + timeout
    while True:
        for line in log.new_lines():
            lines_seen.append(line)
            now = time.monotonic() - t0
            if expect_bad and MISMATCH_RE.search(line):
                print("%8.3fs %s" % (now, line))
                return 0
            if BAD_RE.search(line):
                raise Failure("guest reported: " + line)
            m = BOOT_RE.search(line)
            if m:
                print("%8.3fs boot: %s MiB to test, seed %s" %
                      (now, m.group(1), m.group(2)))
            m = FILLED_RE.search(line)
            if m:
                print("%8.3fs filled %s bytes in %s ms (guest clock)" %
                      (now, m.group(1), m.group(2)))
            m = OK_RE.search(line)
            if m:
                print("%8.3fs verify pass %s OK" % (now, m.group(1)))
                if expect_bad:
                    raise Failure("guest verified a corrupted state")
                if int(m.group(1)) >= min_pass:
                    return int(m.group(1))
        if proc.poll() is not None:
            raise Failure("QEMU exited with status %d" % proc.returncode)
        if time.monotonic() >= deadline:
            raise Failure("no VERIFY OK pass>=%d within %g s" %
                          (min_pass, timeout))
        time.sleep(POLL_INTERVAL)


def start_qemu(argv, workdir):
    errlog = open(os.path.join(workdir, "qemu.stderr"), "wb")
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=errlog, stderr=errlog)
    finally:
        errlog.close()


def stop_qemu(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_migration(qmp, timeout):
    deadline = time.monotonic() + timeout
    while True:
        info = qmp.execute("query-migrate")
        status = info.get("status")
        if status == "completed":
            return info
        if status in ("failed", "cancelled"):
            raise Failure("migration %s: %s" %
                          (status, info.get("error-desc", "")))
        if time.monotonic() >= deadline:
            raise Failure("migration still %s after %g s" % (status, timeout))
        time.sleep(POLL_INTERVAL)


def save_guest(args, workdir):
    """Pause the guest, migrate it to a state file and quit QEMU, the way
    a managed save does; returns the file's path."""
    state = os.path.join(workdir, "state")
    qmp = Qmp(os.path.join(workdir, "qmp.sock"), args.timeout)
    t = time.monotonic()
    qmp.execute("stop")
    qmp.execute("migrate", uri="file:" + state)
    info = wait_migration(qmp, args.timeout)
    print("saved %d MiB state in %.3f s (QEMU says %s ms)" %
          (os.path.getsize(state) >> 20, time.monotonic() - t,
           info.get("total-time", "?")))
    qmp.execute("quit")
    qmp.close()
    return state


def corrupt_state(state):
    """Flip one byte in the middle of the state file, which is page data
    for all but a sliver of a guest that filled its RAM."""
    with open(state, "r+b") as f:
        f.seek(os.path.getsize(state) // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xff]))
    print("flipped one byte in the middle of the state file")


def resume_restored(args, workdir):
    """Wait for the incoming state to load, then resume the guest: QEMU
    keeps the run state the guest was saved in, paused here."""
    qmp = Qmp(os.path.join(workdir, "qmp.sock"), args.timeout)
    t = time.monotonic()
    deadline = t + args.timeout
    while True:
        status = qmp.execute("query-status")["status"]
        if status != "inmigrate":
            break
        if time.monotonic() >= deadline:
            raise Failure("state still loading after %g s" % args.timeout)
        time.sleep(POLL_INTERVAL)
    print("loaded state in %.3f s, guest %s" % (time.monotonic() - t, status))
    if status != "running":
        qmp.execute("cont")
    qmp.close()


def run(args, accel, workdir):
    serial = os.path.join(workdir, "serial.log")
    qmp_path = os.path.join(workdir, "qmp.sock")
    argv = qemu_argv(args, accel, serial, qmp_path)
    print("accel %s, %d MiB, %d vCPU(s), cmdline '%s'" %
          (accel, args.memory, args.smp, guest_cmdline(args)))
    if args.verbose:
        print(" ".join(argv))

    t0 = time.monotonic()
    proc = start_qemu(argv, workdir)
    log = SerialLog(serial)
    lines = []
    try:
        last = wait_for_ok(proc, log, args.passes, args.timeout, t0, lines)
        if not args.save_restore:
            return 0
        state = save_guest(args, workdir)
        proc.wait(timeout=args.timeout)
        if args.corrupt_state:
            corrupt_state(state)
    except (Failure, RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        print("FAIL: %s" % e)
        print("--- serial log tail ---\n" + log.tail())
        return 1
    finally:
        stop_qemu(proc)

    serial2 = os.path.join(workdir, "serial-restored.log")
    if os.path.exists(qmp_path):
        os.unlink(qmp_path)
    argv = qemu_argv(args, accel, serial2, qmp_path, incoming="file:" + state)
    t0 = time.monotonic()
    proc = start_qemu(argv, workdir)
    log = SerialLog(serial2)
    lines = []
    try:
        resume_restored(args, workdir)
        wait_for_ok(proc, log, last + 1, args.timeout, t0, lines,
                    expect_bad=args.corrupt_state)
        if any(BOOT_RE.search(ln) for ln in lines):
            raise Failure("the restored guest booted again")
        if args.corrupt_state:
            print("restored guest caught the corruption")
        else:
            print("restored guest verified its memory again")
        return 0
    except (Failure, RuntimeError, OSError) as e:
        print("FAIL after restore: %s" % e)
        print("--- serial log tail ---\n" + log.tail())
        return 1
    finally:
        stop_qemu(proc)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Boot the virtsave test guest and wait until it has "
                    "verified its memory.")
    p.add_argument("--kernel", default=default_kernel(),
                   help="guest image (default: %(default)s)")
    p.add_argument("--qemu", default=os.environ.get(
        "VS_TEST_QEMU", "qemu-system-x86_64"), help="QEMU binary")
    p.add_argument("--memory", type=int, default=256, help="guest MiB")
    p.add_argument("--smp", type=int, default=1, help="vCPUs")
    p.add_argument("--accel", choices=["kvm", "tcg", "auto"],
                   default="auto")
    p.add_argument("--cpu", help="QEMU -cpu model (default: "
                   "host,-arch-capabilities with KVM, QEMU's own with TCG)")
    p.add_argument("--seed", help="guest seed, decimal or 0x hex")
    p.add_argument("--fill", type=int, help="percent of RAM to fill")
    p.add_argument("--pause", type=int, help="guest ms between passes")
    p.add_argument("--passes", type=int, default=1,
                   help="wait for this many VERIFY OK passes")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds to wait for each step")
    p.add_argument("--save-restore", action="store_true",
                   help="then save to a file, restore in a new QEMU and "
                        "wait for a new VERIFY OK")
    p.add_argument("--corrupt-state", action="store_true",
                   help="with --save-restore: damage the state file and "
                        "expect the restored guest to report VERIFY BAD")
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory (logs, state file)")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if not shutil.which(args.qemu):
        print("SKIP: %s not found" % args.qemu)
        return SKIP
    if not os.path.exists(args.kernel):
        print("FAIL: no guest image at %s" % args.kernel)
        return 1
    if args.corrupt_state:
        args.save_restore = True
    args.kernel = os.path.abspath(args.kernel)
    accel = pick_accel(args.accel)

    workdir = tempfile.mkdtemp(prefix="vsguest-")
    try:
        return run(args, accel, workdir)
    finally:
        if args.keep:
            print("work directory: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
