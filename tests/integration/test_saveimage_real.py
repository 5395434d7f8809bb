#!/usr/bin/env python3
"""Save images made by real QEMU, checked by `virtsave image` and loaded back.

SPDX-License-Identifier: LGPL-2.1-or-later

No daemon is involved: the test plays libvirt's part itself. It writes a
header and domain XML exactly as libvirt 11.3 lays them out (data_len =
XML + cookie + 64 KiB, so the QEMU stream starts at an unaligned offset),
has QEMU migrate to a file: URI at that offset (mapped-ram + multifd for
a sparse image, a plain stream for raw), and flips the magic. It also
makes an image with virtsave's 4 KiB aligned stream offset.

Guest RAM gets known content without running guest code: a loader
device copies a random file into RAM at reset. After loading an image
into a fresh QEMU (started without the loader) that RAM is dumped with
pmemsave and compared, which proves the image holds the guest's memory.

Then copies of the images are damaged (cut in the page area, cut at the
end, wrong magic, wrong format field...) and the tool must name the
problem with exit status 1.

Prints TAP. Environment: VS_BUILD_ROOT (finds tools/virtsave).
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

QEMU = os.environ.get("VS_TEST_QEMU", "qemu-system-x86_64")
MEMORY_MIB = 256
LOADER_ADDR = 0x1000000          # 16 MiB into guest RAM
LOADER_SIZE = 8 * 1024 * 1024
MAPPED_RAM_ALIGN = 0x100000

HEADER_SIZE = 92
MAGIC = b"LibvirtQemudSave"
PARTIAL = b"LibvirtQemudPart"
FORMAT_RAW, FORMAT_GZIP, FORMAT_SPARSE = 0, 1, 6

XML = """<domain type='kvm'>
  <name>saveimage-real</name>
  <uuid>6c1a3bd0-4a51-4d0e-9a0f-8f3c3b0c7e11</uuid>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
</domain>
"""
COOKIE = """<cookie>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <slirpHelper/>
</cookie>
"""

tap = vstest.TAP()


class QMPError(Exception):
    pass


class QMP:
    """A minimal QMP client on a UNIX socket."""

    def __init__(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rw")
        self.events = []
        self._read()                       # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise QMPError("QEMU closed the monitor")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.file.write(json.dumps(msg) + "\n")
        self.file.flush()
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
            elif "error" in reply:
                raise QMPError("%s: %s" % (name, reply["error"]["desc"]))
            elif "return" in reply:
                return reply["return"]

    def wait_migration(self, timeout=180.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.cmd("query-migrate")
            status = info.get("status")
            if status in ("completed", "failed", "cancelled"):
                return info
            time.sleep(0.05)
        return {"status": "timeout"}

    def close(self):
        self.sock.close()


class Qemu:
    """One QEMU process with a QMP socket and a log file."""

    def __init__(self, workdir, name, extra):
        self.sockpath = os.path.join(workdir, name + ".qmp")
        self.logpath = os.path.join(workdir, name + ".log")
        args = [QEMU, "-nodefaults", "-display", "none", "-S",
                "-machine", "pc", "-accel", vstest.accel(),
                "-m", str(MEMORY_MIB),
                "-qmp", "unix:%s,server=on,wait=off" % self.sockpath] + extra
        self.log = open(self.logpath, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        try:
            self.qmp = QMP(self.sockpath)
        except Exception:
            self.stop()
            raise

    def log_text(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.qmp.cmd("quit")
            except Exception:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def caps(sparse):
    """Explicit states for the two capabilities that matter."""
    return [{"capability": "mapped-ram", "state": sparse},
            {"capability": "multifd", "state": sparse}]


def header_block(fmt, align=None):
    """Header (partial magic) + XML + cookie + padding, libvirt's layout
    unless @align asks for an aligned stream offset."""
    xml = XML.encode() + b"\0"
    cookie = COOKIE.encode() + b"\0"
    data_len = len(xml) + len(cookie) + 65536
    if align:
        data_len = -(-(HEADER_SIZE + data_len) // align) * align - HEADER_SIZE
    hdr = PARTIAL + struct.pack("=5I", 2, data_len, 1, fmt, len(xml))
    hdr += b"\0" * 56
    return hdr + (xml + cookie).ljust(data_len, b"\0")


def make_image(workdir, name, sparse, loader, align=None):
    """Returns (path, stream offset, migration info)."""
    path = os.path.join(workdir, name + ".img")
    block = header_block(FORMAT_SPARSE if sparse else FORMAT_RAW, align)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC,
                 0o600)
    os.write(fd, block)
    os.close(fd)

    extra = ["-device", "loader,file=%s,addr=0x%x,force-raw=on"
             % (loader, LOADER_ADDR)]
    q = Qemu(workdir, "save-" + name, extra)
    try:
        q.qmp.cmd("migrate-set-capabilities", capabilities=caps(sparse))
        params = {"max-bandwidth": 0x7FFFFFFFFFF00000}
        if sparse:
            params["multifd-channels"] = 2
        q.qmp.cmd("migrate-set-parameters", **params)
        q.qmp.cmd("migrate", uri="file:%s,offset=0x%x" % (path, len(block)))
        info = q.qmp.wait_migration()
    finally:
        q.stop()

    if info.get("status") == "completed":
        with open(path, "r+b") as f:
            f.write(MAGIC)
    return path, len(block), info


def load_image(workdir, name, path, offset, sparse, direct_io=False):
    """Load @path into a new QEMU; returns (status, RAM dump or None, log)."""
    q = Qemu(workdir, "load-" + name, ["-incoming", "defer"])
    dump = os.path.join(workdir, name + ".dump")
    try:
        q.qmp.cmd("migrate-set-capabilities", capabilities=caps(sparse))
        if sparse:
            q.qmp.cmd("migrate-set-parameters", **{"multifd-channels": 2,
                                                   "direct-io": direct_io})
        q.qmp.cmd("migrate-incoming", uri="file:%s,offset=0x%x"
                  % (path, offset))
        status = q.qmp.wait_migration().get("status")
        data = None
        if status == "completed":
            q.qmp.cmd("pmemsave", val=LOADER_ADDR, size=LOADER_SIZE,
                      filename=dump)
            with open(dump, "rb") as f:
                data = f.read()
            os.unlink(dump)
    except QMPError as e:
        status = "error: %s" % e
        data = None
    finally:
        q.stop()
    return status, data, q.log_text()


def tool():
    return os.path.join(vstest.build_root(), "tools", "virtsave")


def virtsave(*args):
    """Run the tool; returns (exit status, parsed JSON or None, stderr)."""
    p = subprocess.run([tool()] + list(args), capture_output=True, text=True,
                       env=dict(os.environ, LC_ALL="C"))
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = None
    return p.returncode, doc, p.stderr


def copy_sparse(src, dst):
    subprocess.run(["cp", "--sparse=always", src, dst], check=True)
    return dst


def patch(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def check_sparse_info(path, offset, loader_pages, aligned):
    rc, info, err = virtsave("image", "info", "--json", path)
    if not tap.ok(rc == 0 and info, "info on the sparse image", err):
        return
    tap.ok(info["format"] == "sparse" and info["complete"] and
           info["version"] == 2 and info["was_running"],
           "sparse header: format, state, version", info)
    tap.ok(info["data_offset"] == offset and
           info["data_offset_aligned"] == aligned,
           "stream offset %d (0x%x), aligned %s" % (offset, offset, aligned),
           info)
    tap.ok(info["xml_size"] == len(XML) + 1 and
           info["cookie_size"] == len(COOKIE) + 1,
           "XML and cookie sizes", info)
    blocks = info.get("mapped_ram", {}).get("blocks", [])
    if not tap.ok(blocks and blocks[0]["idstr"] == "pc.ram",
                  "first RAM block is pc.ram", info):
        return
    ram = blocks[0]
    tap.diag("stream at 0x%x; pc.ram header at 0x%x, bitmap at 0x%x, "
             "pages at 0x%x; %d blocks; file %d bytes, %d allocated"
             % (offset, ram["header_offset"], ram["bitmap_offset"],
                ram["pages_offset"], len(blocks), info["file_size"],
                info["allocated_size"]))
    for b in blocks[1:]:
        tap.diag("  %s: length 0x%x, bitmap 0x%x, pages 0x%x, %d present"
                 % (b["idstr"], b["length"], b["bitmap_offset"],
                    b["pages_offset"], b["pages_present"]))
    tap.ok(ram["length"] == MEMORY_MIB << 20 and ram["page_size"] == 4096,
           "pc.ram length and page size", ram)
    tap.ok(all(b["bitmap_offset"] == b["header_offset"] + 28 and
               b["pages_offset"] % MAPPED_RAM_ALIGN == 0 for b in blocks),
           "every bitmap follows its 28-byte header, pages are 1 MiB aligned",
           blocks)
    tap.ok(ram["pages_present"] >= loader_pages,
           "pc.ram bitmap marks the %d loaded pages" % loader_pages, ram)
    tap.ok(sum(b["length"] for b in blocks) ==
           info["mapped_ram"]["ram_total"],
           "blocks add up to the RAM total", info["mapped_ram"])


def check_verify(path, desc, want_ok, failed_check=None, message=None):
    rc, doc, err = virtsave("image", "verify", "--json", path)
    if want_ok:
        return tap.ok(rc == 0 and doc and doc["valid"], desc, doc or err)
    failed = [c for c in (doc or {}).get("checks", []) if not c["ok"]]
    ok = rc == 1 and doc and not doc["valid"] and failed
    if ok and failed_check:
        ok = failed[0]["name"] == failed_check
    if ok and message:
        ok = message in failed[0].get("error", "")
    return tap.ok(ok, desc, doc or err)


def damage_tests(workdir, sparse, raw, sparse_offset):
    cut = copy_sparse(sparse, os.path.join(workdir, "cut-pages.img"))
    os.truncate(cut, sparse_offset + 200 * 1024 * 1024)
    check_verify(cut, "sparse image cut in its page area is rejected",
                 False, "mapped-ram", "truncated")
    rc, doc, err = virtsave("image", "info", "--json", cut)
    tap.ok(rc == 0 and "truncated" in (doc or {}).get("mapped_ram_error", ""),
           "info still describes the cut image and names the damage",
           doc or err)
    os.unlink(cut)

    tail = copy_sparse(sparse, os.path.join(workdir, "cut-tail.img"))
    os.truncate(tail, os.path.getsize(tail) - 4096)
    check_verify(tail, "sparse image missing its last 4 KiB is rejected",
                 False, "stream-end", "truncated")
    os.unlink(tail)

    rawcut = copy_sparse(raw, os.path.join(workdir, "raw-cut.img"))
    os.truncate(rawcut, os.path.getsize(rawcut) // 2)
    check_verify(rawcut, "raw image cut in half is rejected", False,
                 "stream-end", "truncated")
    os.unlink(rawcut)

    cases = [
        ("partial magic", 0, PARTIAL, "header", "save image is incomplete"),
        ("wrong magic", 0, b"LibvirtQemudXXXX", "header",
         "image magic is incorrect"),
        ("huge data_len", 20, struct.pack("=I", 0x7FFFFFFF), "header",
         "invalid header data length"),
        ("cookie offset beyond the data area", 32,
         struct.pack("=I", 0x7FFFFFFF), "header", "invalid cookie offset"),
        ("format 7", 28, struct.pack("=I", 7), "header",
         "unsupported save image format: 7"),
        ("sparse stream marked raw", 28, struct.pack("=I", FORMAT_RAW),
         "payload", "mapped-ram"),
        ("sparse stream marked gzip", 28, struct.pack("=I", FORMAT_GZIP),
         "payload", "gzip"),
    ]
    for desc, off, data, check, msg in cases:
        bad = copy_sparse(sparse, os.path.join(workdir, "bad.img"))
        patch(bad, off, data)
        check_verify(bad, "%s is rejected" % desc, False, check, msg)
        os.unlink(bad)

    bad = copy_sparse(raw, os.path.join(workdir, "bad.img"))
    patch(bad, 28, struct.pack("=I", FORMAT_SPARSE))
    check_verify(bad, "raw stream marked sparse is rejected", False,
                 "mapped-ram", "not written with the mapped-ram")
    os.unlink(bad)

    partial = copy_sparse(sparse, os.path.join(workdir, "partial.img"))
    patch(partial, 0, PARTIAL)
    rc, doc, err = virtsave("image", "info", "--json", partial)
    tap.ok(rc == 0 and doc and doc["complete"] is False,
           "info shows a partial image as partial", doc or err)
    os.unlink(partial)


def load_tests(workdir, images, pattern):
    for name, path, offset, sparse, direct_io in images:
        if direct_io and not direct_io_works(workdir):
            tap.skip("QEMU loads %s" % name, "no O_DIRECT in %s" % workdir)
            continue
        status, data, log = load_image(workdir, name, path, offset, sparse,
                                       direct_io)
        tap.ok(status == "completed", "QEMU loads %s" % name,
               "status %s\n%s" % (status, log))
        tap.ok(data == pattern, "guest RAM after loading %s matches" % name,
               "no dump" if data is None else "RAM differs")


def direct_io_works(workdir):
    try:
        fd = os.open(os.path.join(workdir, "dio-probe"),
                     os.O_WRONLY | os.O_CREAT | os.O_DIRECT | os.O_CLOEXEC,
                     0o600)
    except OSError:
        return False
    os.close(fd)
    os.unlink(os.path.join(workdir, "dio-probe"))
    return True


def main():
    if shutil.which(QEMU) is None:
        tap.skip_all("%s not found" % QEMU)
    if not os.access(tool(), os.X_OK):
        tap.skip_all("%s not built" % tool())

    workdir = tempfile.mkdtemp(prefix="vs-saveimage-real-")
    try:
        run(workdir)
    finally:
        if os.environ.get("VS_TEST_KEEP"):
            tap.diag("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    tap.exit()


def run(workdir):
    pattern = os.urandom(LOADER_SIZE)
    loader = os.path.join(workdir, "pattern.bin")
    with open(loader, "wb") as f:
        f.write(pattern)
    loader_pages = LOADER_SIZE // 4096

    sparse, sparse_off, info = make_image(workdir, "sparse", True, loader)
    if not tap.ok(info.get("status") == "completed",
                  "QEMU writes a sparse image at libvirt's offset", info):
        return
    tap.ok(sparse_off % 4096 != 0, "libvirt's layout leaves the stream "
           "unaligned (0x%x)" % sparse_off)
    check_sparse_info(sparse, sparse_off, loader_pages, False)
    check_verify(sparse, "verify accepts the sparse image", True)

    raw, raw_off, info = make_image(workdir, "raw", False, loader)
    if not tap.ok(info.get("status") == "completed",
                  "QEMU writes a raw image", info):
        return
    rc, doc, err = virtsave("image", "info", "--json", raw)
    tap.ok(rc == 0 and doc and doc["format"] == "raw" and
           doc["data_offset"] == raw_off and "mapped_ram" not in doc,
           "info on the raw image", doc or err)
    check_verify(raw, "verify accepts the raw image", True)
    p = subprocess.run([tool(), "image", "dumpxml", raw], capture_output=True,
                       text=True)
    tap.ok(p.returncode == 0 and p.stdout == XML, "dumpxml returns the XML",
           p.stdout + p.stderr)

    aligned, aligned_off, info = make_image(workdir, "aligned", True, loader,
                                            align=4096)
    if tap.ok(info.get("status") == "completed",
              "QEMU writes a sparse image at an aligned offset", info):
        check_sparse_info(aligned, aligned_off, loader_pages, True)
        check_verify(aligned, "verify accepts the aligned sparse image", True)

    damage_tests(workdir, sparse, raw, sparse_off)

    load_tests(workdir, [
        ("the sparse image", sparse, sparse_off, True, False),
        ("the raw image", raw, raw_off, False, False),
        ("the aligned sparse image with direct-io", aligned, aligned_off,
         True, True),
    ], pattern)


if __name__ == "__main__":
    main()
