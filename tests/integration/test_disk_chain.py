#!/usr/bin/env python3
"""qcow2 backing chains: start, save and restore, and the refused chains.

SPDX-License-Identifier: LGPL-2.1-or-later

A qcow2 disk on a qcow2 image on a raw image, all made by the real
qemu-img, is attached to the test guest. The raw base starts with bytes
that look like a qcow2 header naming a backing file of their own: a
driver that let QEMU guess the base's format would open it as qcow2.
Checks:

- the domain starts; QEMU's command line names every layer as its own
  -blockdev node with the format from the headers (raw for the base) and
  QEMU holds all three files open;
- save (sparse, --bypass-cache --parallel-channels 4) and restore bring
  the guest back with its memory checks passing and the chain open again;
  right after the save, qemu-img checks the top image (clean, unlocked);
- a qcow2 image whose backing file is itself, and two images backing
  each other, are refused at start with one error naming the disk and the
  loop, and no QEMU is left running.

Prints TAP.
"""

import glob
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vschain%d" % os.getpid()
MEMORY_MIB = 128
CMDLINE = "seed=0x0c0a0c0a fill=50"
PASS_RE = r"VSGUEST VERIFY OK pass=(\d+)"
FAST = ("--bypass-cache", "--parallel-channels", "4")


def qemu_img(*args):
    return subprocess.run(["qemu-img"] + list(args), capture_output=True,
                          text=True, timeout=60)


def fake_qcow2_header(backing):
    """A qcow2 v2 header naming @backing, as a guest could write it."""
    hdr = bytearray(512)
    struct.pack_into(">IIQI", hdr, 0, 0x514649fb, 2, 256, len(backing))
    struct.pack_into(">I", hdr, 20, 16)
    hdr[256:256 + len(backing)] = backing.encode()
    return bytes(hdr)


def disk_xml(path):
    return ("<disk type='file' device='disk'>"
            "<driver name='qemu' type='qcow2'/>"
            "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
            % path)


def with_disk(xml, path):
    return xml.replace("</devices>", disk_xml(path) + "\n  </devices>")


def qemu_pid(d, name):
    for p in glob.glob(os.path.join(d.root, "**", name + ".pid"),
                       recursive=True):
        try:
            with open(p) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            pass
    return None


def open_files(pid):
    out = set()
    for fd in glob.glob("/proc/%d/fd/*" % pid):
        try:
            out.add(os.readlink(fd))
        except OSError:
            pass
    return out


def qemu_log(d, name):
    try:
        with open(os.path.join(d.root, "log", "qemu", name + ".log")) as f:
            return f.read()
    except OSError:
        return ""


def make_chain(tmp):
    base = os.path.join(tmp, "base.raw")
    mid = os.path.join(tmp, "mid.qcow2")
    top = os.path.join(tmp, "top.qcow2")
    with open(base, "wb") as f:
        f.write(fake_qcow2_header(os.path.join(tmp, "evil")))
        f.truncate(16 * 1024 * 1024)
    r1 = qemu_img("create", "-q", "-f", "qcow2", "-b", "base.raw",
                  "-F", "raw", mid)
    r2 = qemu_img("create", "-q", "-f", "qcow2", "-b", mid, "-F", "qcow2",
                  top)
    return base, mid, top, r1.stderr + r2.stderr


def check_chain_open(tap, d, files, when):
    pid = qemu_pid(d, NAME)
    held = open_files(pid) if pid else set()
    tap.ok(pid is not None and all(f in held for f in files),
           "QEMU holds every layer of the chain open %s" % when,
           "pid %s, open: %s" % (pid, sorted(held)))


def test_chain(tap, d, tmp):
    base, mid, top, err = make_chain(tmp)
    tap.ok(not err, "qemu-img made a two-level chain", err)
    serial = os.path.join(tmp, "serial.log")
    xml = with_disk(vstest.domain_xml(NAME, serial, memory_mib=MEMORY_MIB,
                                      cmdline=CMDLINE), top)
    xml_path = os.path.join(tmp, "dom.xml")
    with open(xml_path, "w") as f:
        f.write(xml)
    r = d.virsh("define", xml_path)
    tap.ok(r.returncode == 0, "define a guest with a qcow2 chain", r.stderr)
    r = d.virsh("start", NAME)
    tap.ok(r.returncode == 0, "start it", r.stderr)

    log = qemu_log(d, NAME)
    want = (
        '"node-name":"vs-virtio-disk0-b2-fmt","read-only":true,'
        '"driver":"raw","file":"vs-virtio-disk0-b2-file"}',
        '"node-name":"vs-virtio-disk0-b1-fmt","read-only":true,'
        '"driver":"qcow2","file":"vs-virtio-disk0-b1-file",'
        '"backing":"vs-virtio-disk0-b2-fmt"}',
        '"node-name":"vs-virtio-disk0-fmt","read-only":false,'
        '"driver":"qcow2","file":"vs-virtio-disk0-file",'
        '"backing":"vs-virtio-disk0-b1-fmt"}',
    )
    missing = [w for w in want if w not in log]
    tap.ok(not missing,
           "each layer is its own node with the format from the headers",
           "missing %s in:\n%s" % (missing, log[:4000]))
    check_chain_open(tap, d, (base, mid, top), "after start")
    m = vstest.wait_for_serial(serial, PASS_RE, timeout=120)
    tap.ok(m is not None, "the guest verifies its memory")

    image = os.path.join(tmp, "chain.img")
    r = d.virsh("save", NAME, image, "--image-format", "sparse", *FAST,
                timeout=300)
    tap.ok(r.returncode == 0, "save it (sparse, bypass cache, 4 channels)",
           r.stderr)
    # QEMU inactivates (flushes and closes for writing) every block node
    # before the migration completes; the image must be consistent and
    # unlocked the moment the save has returned.
    r = qemu_img("check", "-q", "-f", "qcow2", top)
    tap.ok(r.returncode == 0, "the top image is clean right after the save",
           r.stdout + r.stderr)
    offset = os.path.getsize(serial)
    r = d.virsh("restore", image, *FAST, timeout=300)
    tap.ok(r.returncode == 0, "restore it", r.stderr)
    check_chain_open(tap, d, (base, mid, top), "after restore")
    m = vstest.wait_for_serial(serial, PASS_RE, timeout=120, offset=offset)
    tap.ok(m is not None, "the restored guest verifies its memory")
    d.virsh("destroy", NAME)
    d.virsh("undefine", NAME)


def test_loop(tap, d, tmp, kind):
    name = "%s-%s" % (NAME, kind)
    a = os.path.join(tmp, "%s-a.qcow2" % kind)
    b = os.path.join(tmp, "%s-b.qcow2" % kind)
    if kind == "self":
        # qemu-img refuses the same spelling for both names
        r = qemu_img("create", "-q", "-f", "qcow2", "-u", "-b",
                     "./" + os.path.basename(a), "-F", "qcow2", a, "16M")
    else:
        r = qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", b,
                     "-F", "qcow2", a, "16M")
        r2 = qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", a,
                      "-F", "qcow2", b, "16M")
        r.stderr += r2.stderr
    tap.ok(not r.stderr, "qemu-img made a %s loop" % kind, r.stderr)
    xml = with_disk(vstest.domain_xml(name, os.path.join(tmp, kind + ".log"),
                                      memory_mib=32), a)
    xml_path = os.path.join(tmp, kind + ".xml")
    with open(xml_path, "w") as f:
        f.write(xml)
    r = d.virsh("define", xml_path)
    tap.ok(r.returncode == 0, "define a guest on the %s loop" % kind,
           r.stderr)
    r = d.virsh("start", name)
    tap.ok(r.returncode != 0 and "disk 'vda'" in r.stderr and
           "loops back" in r.stderr,
           "start is refused naming the disk and the loop (%s)" % kind,
           r.stderr)
    r = d.virsh("domstate", name)
    tap.ok(r.returncode == 0 and r.stdout.strip() == "shut off",
           "nothing is left running (%s)" % kind, r.stdout + r.stderr)
    tap.ok(qemu_pid(d, name) is None, "no QEMU pid file is left (%s)" % kind)
    d.virsh("undefine", name)


def main():
    tap = vstest.TAP()
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("the test guest is not built")
    with tempfile.TemporaryDirectory(prefix="vschain-") as tmp, \
            vstest.Daemon() as d:
        test_chain(tap, d, tmp)
        test_loop(tap, d, tmp, "self")
        test_loop(tap, d, tmp, "pair")
    tap.exit()


if __name__ == "__main__":
    main()
