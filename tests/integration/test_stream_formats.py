#!/usr/bin/env python3
# test_stream_formats.py: virsh save and restore in the stream formats
# (raw and the compressed ones), with and without --bypass-cache, and
# their failures: a compression program that dies mid-save, a file system
# that fills up during the save, a cut image on restore.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs real virtsaved, virsh and QEMU on the test guest, which prints
# "VSGUEST VERIFY OK pass=N" while its memory is intact. Prints TAP.

import ctypes
import os
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vsstream"
FORMATS = ["raw", "gzip", "bzip2", "xz", "lzop", "zstd"]
DECODE = {
    "gzip": ["gzip", "-dc"],
    "bzip2": ["bzip2", "-dc"],
    "xz": ["xz", "-dc"],
    "lzop": ["lzop", "-dc"],
    "zstd": ["zstd", "-dcq"],
}
MEMORY_MIB = 256
# 2% of every MiB: about 5 MiB of data that hardly compresses, enough to
# run every pipeline for a while, little enough for a quick xz.
CMDLINE = "seed=11 fill=2"
VERIFY_RE = r"VSGUEST VERIFY OK pass="
HEADER = struct.Struct("<16s5I")

# A compression program that reads a little, then kills itself.
DYING_GZIP = """#!/bin/sh
head -c 1048576 >/dev/null
kill -9 $$
"""
# A slow bzip2: a full disk can be arranged while it starts.
SLOW_BZIP2 = """#!/bin/sh
sleep 3
exec {real} "$@"
"""


def helper_binary():
    return os.path.join(vstest.build_root(), "src", "iohelper",
                        "virtsave_iohelper")


def header(path):
    with open(path, "rb") as f:
        magic, _ver, data_len, running, fmt, _cookie = \
            HEADER.unpack(f.read(HEADER.size))
    return magic, data_len, running, fmt


def payload(path):
    _m, data_len, _r, _f = header(path)
    with open(path, "rb") as f:
        f.seek(92 + data_len)
        return f.read()


def serial_size(serial):
    try:
        return os.path.getsize(serial)
    except OSError:
        return 0


def domstate(d):
    r = d.virsh("domstate", NAME)
    return r.stdout.strip() if r.returncode == 0 else "(%s)" % r.stderr.strip()


def leftovers(directory, stem):
    return [f for f in os.listdir(directory) if f.startswith(stem)]


def wait_verify(serial, offset, timeout=90):
    return vstest.wait_for_serial(serial, VERIFY_RE, timeout=timeout,
                                  offset=offset)


def boot(tap, d, serial):
    xml_path = os.path.join(d.root, NAME + ".xml")
    with open(xml_path, "w") as f:
        f.write(vstest.domain_xml(NAME, serial, memory_mib=MEMORY_MIB,
                                  cmdline=CMDLINE))
    r = d.virsh("create", xml_path)
    if not tap.ok(r.returncode == 0, "virsh create %s" % NAME, r.stderr):
        return False
    return tap.ok(wait_verify(serial, 0, timeout=120) is not None,
                  "guest verifies its memory after boot")


def check_payload(tap, path, fmt, what):
    magic, _dl, _r, field = header(path)
    tap.ok(magic == b"LibvirtQemudSave" and field == FORMATS.index(fmt),
           "%s: header is complete and says %s" % (what, fmt),
           "%r format %d" % (magic, field))
    data = payload(path)
    if fmt in DECODE:
        p = subprocess.run(DECODE[fmt], input=data, capture_output=True)
        data = p.stdout if p.returncode == 0 else b""
        tap.ok(p.returncode == 0,
               "%s: '%s' decodes the payload" % (what, DECODE[fmt][0]),
               p.stderr.decode(errors="replace"))
    tap.ok(data[:4] == b"QEVM", "%s: the stream is a QEMU stream" % what,
           repr(data[:8]))


def round_trip(tap, d, serial, fmt, bypass):
    what = fmt + (" --bypass-cache" if bypass else "")
    path = os.path.join(d.root, "stream-%s%s.save" % (fmt, "-direct"
                                                      if bypass else ""))
    flags = ["--bypass-cache"] if bypass else []

    start = time.monotonic()
    r = d.virsh("save", NAME, path, "--image-format", fmt, *flags)
    took = time.monotonic() - start
    if not tap.ok(r.returncode == 0, "save %s (%.1f s)" % (what, took),
                  r.stderr):
        return False
    tap.diag("%s: %d bytes" % (what, os.path.getsize(path)))
    check_payload(tap, path, fmt, what)

    offset = serial_size(serial)
    start = time.monotonic()
    r = d.virsh("restore", path, *flags)
    took = time.monotonic() - start
    if not tap.ok(r.returncode == 0, "restore %s (%.1f s)" % (what, took),
                  r.stderr):
        return False
    ok = tap.ok(wait_verify(serial, offset) is not None,
                "%s: the guest verifies its memory after restore" % what,
                open(serial, errors="replace").read()[-1000:])
    os.unlink(path)
    return ok


def check_failed_save(tap, d, serial, r, path, what, words):
    tap.diag("%s: %s" % (what, r.stderr.strip().splitlines()[-1:]))
    tap.ok(r.returncode != 0 and all(w in r.stderr for w in words),
           "%s: save fails naming %s" % (what, ", ".join(words)),
           "exit %d: %s" % (r.returncode, r.stderr))
    # virsh prints its own "Failed to save" line, then the one error.
    lines = [l for l in r.stderr.strip().splitlines()
             if not l.startswith("error: Failed to save domain")]
    tap.ok(len(lines) == 1, "%s: one error" % what, r.stderr)
    tap.ok(domstate(d) == "running", "%s: the domain still runs" % what,
           domstate(d))
    directory, base = os.path.split(path)
    tap.ok(not leftovers(directory, base), "%s: no image left" % what,
           repr(leftovers(directory, base)))
    tap.ok(wait_verify(serial, serial_size(serial)) is not None,
           "%s: the guest keeps verifying its memory" % what)


def test_dying_compressor(tap, d, serial):
    path = os.path.join(d.root, "dying.save")
    r = d.virsh("save", NAME, path, "--image-format", "gzip")
    check_failed_save(tap, d, serial, r, path, "gzip killed mid-save",
                      ["gzip", "signal 9"])


def test_abort(tap, d, serial):
    """domjobabort while the (slow) bzip2 starts: the save is cancelled."""
    what = "domjobabort of a bzip2 save"
    path = os.path.join(d.root, "aborted.save")
    virsh = subprocess.Popen(
        ["virsh", "-q", "-c", d.uri, "save", NAME, path,
         "--image-format", "bzip2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, LC_ALL="C"))
    deadline = time.monotonic() + 30
    while not leftovers(d.root, "aborted.save") and \
            time.monotonic() < deadline and virsh.poll() is None:
        time.sleep(0.02)
    r = d.virsh("domjobabort", NAME)
    tap.ok(r.returncode == 0, "%s: domjobabort" % what, r.stderr)
    out, errtext = virsh.communicate(timeout=120)
    r = subprocess.CompletedProcess(virsh.args, virsh.returncode, out,
                                    errtext)
    check_failed_save(tap, d, serial, r, path, what, ["abort"])


def mount_small_fs(directory, size):
    libc = ctypes.CDLL(None, use_errno=True)
    os.makedirs(directory, exist_ok=True)
    opts = ("size=%d" % size).encode()
    if libc.mount(b"tmpfs", directory.encode(), b"tmpfs", 0, opts) != 0:
        return os.strerror(ctypes.get_errno())
    return None


def fill_fs(directory):
    """Take every free byte of @directory's file system."""
    st = os.statvfs(directory)
    filler = os.path.join(directory, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.posix_fallocate(fd, 0, st.f_bavail * st.f_frsize)
    except OSError:
        pass
    os.close(fd)
    return filler


def test_disk_full(tap, d, serial):
    what = "disk fills during the save"
    small = os.path.join(d.root, "small")
    # Big enough for the daemon's estimate of the space needed (guest RAM
    # plus a margin), which it checks before pausing; filled up later.
    err = mount_small_fs(small, 400 * 1024 * 1024)
    if err:
        tap.skip(what, "cannot mount a small tmpfs: %s" % err)
        return
    try:
        path = os.path.join(small, "full.save")
        virsh = subprocess.Popen(
            ["virsh", "-q", "-c", d.uri, "save", NAME, path,
             "--image-format", "bzip2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, LC_ALL="C"))
        deadline = time.monotonic() + 30
        while not leftovers(small, "full.save") and \
                time.monotonic() < deadline and virsh.poll() is None:
            time.sleep(0.02)
        filler = fill_fs(small)
        out, errtext = virsh.communicate(timeout=120)
        r = subprocess.CompletedProcess(virsh.args, virsh.returncode, out,
                                        errtext)
        os.unlink(filler)
        check_failed_save(tap, d, serial, r, path, what,
                          ["No space left on device", path])
    finally:
        subprocess.run(["umount", small])


def test_cut_image(tap, d, serial):
    what = "restore of a cut zstd image"
    path = os.path.join(d.root, "cut.save")
    r = d.virsh("save", NAME, path, "--image-format", "zstd")
    if not tap.ok(r.returncode == 0, "%s: save" % what, r.stderr):
        return
    size = os.path.getsize(path)
    _m, data_len, _r, _f = header(path)
    with open(path, "r+b") as f:
        f.truncate(92 + data_len + (size - 92 - data_len) // 2)
    r = d.virsh("restore", path)
    tap.diag("%s: %s" % (what, r.stderr.strip().splitlines()[-1:]))
    tap.ok(r.returncode != 0 and "zstd" in r.stderr,
           "%s fails naming zstd" % what, "exit %d: %s" %
           (r.returncode, r.stderr))
    # The helper's own reason, not QEMU's consequence of it ("load of
    # migration failed: Input/output error").
    tap.ok("the zstd stream is truncated" in r.stderr,
           "%s: the error names the cut stream" % what, r.stderr)
    r = d.virsh("list", "--name")
    tap.ok(NAME not in r.stdout.split(), "%s: no domain left running" % what,
           r.stdout)
    os.unlink(path)


def main():
    tap = vstest.TAP()
    if not shutil.which("virsh"):
        tap.skip_all("virsh is not installed")
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("the test guest is not built")
    if not os.access(helper_binary(), os.X_OK):
        tap.skip_all("virtsave_iohelper is not built")
    os.environ["VIRTSAVE_IOHELPER"] = helper_binary()

    with vstest.Daemon() as d:
        serial = os.path.join(d.root, "serial.log")
        if boot(tap, d, serial):
            for fmt in FORMATS:
                for bypass in (False, True):
                    round_trip(tap, d, serial, fmt, bypass)
            test_cut_image(tap, d, serial)
            if domstate(d) != "running":
                boot(tap, d, serial)
        d.virsh("destroy", NAME)

    # A daemon whose PATH finds the broken and slow programs first.
    fake = vstest.Daemon()
    bindir = os.path.join(fake.root, "bin")
    os.makedirs(bindir)
    for name, text in (("gzip", DYING_GZIP),
                       ("bzip2", SLOW_BZIP2.format(
                           real=shutil.which("bzip2")))):
        with open(os.path.join(bindir, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(bindir, name), 0o755)
    saved_path = os.environ["PATH"]
    os.environ["PATH"] = bindir + os.pathsep + saved_path
    try:
        with fake as d:
            os.environ["PATH"] = saved_path
            serial = os.path.join(d.root, "serial.log")
            if boot(tap, d, serial):
                test_dying_compressor(tap, d, serial)
                test_abort(tap, d, serial)
                test_disk_full(tap, d, serial)
            d.virsh("destroy", NAME)
    finally:
        os.environ["PATH"] = saved_path
    tap.exit()


if __name__ == "__main__":
    main()
