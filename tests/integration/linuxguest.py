"""linuxguest: the Linux test guest, built at test time from Debian packages.

SPDX-License-Identifier: LGPL-2.1-or-later

The guest is the host's own Debian kernel (package linux-image-amd64)
booted directly with an initramfs made here from busybox-static, the
virtio modules the kernel does not build in, our checker lgcheck
(tests/guest/linux/lgcheck.c, built by meson) and, when the package
qemu-guest-agent is installed, qemu-ga with its shared libraries. Its
/init is tests/guest/linux/init.sh. See tests/guest/linux/README.md for
what the guest does and the lines it prints.

Typical use::

    import linuxguest, vstest

    kernel, initrd = linuxguest.build()
    xml = linuxguest.domain_xml("lg1", serial_log, memory_mib=256,
                                cmdline=linuxguest.cmdline(seed=7, mem=150))
    ... define, start ...
    linuxguest.wait_for(serial_log, r"LGMEM PASS n=1", timeout=300)
    ... save (the guest runs during most of it) ...
    before = linuxguest.progress(serial_log)
    ... restore ...
    ok, why = linuxguest.check_progress(serial_log, before, timeout=300)

build() caches the initramfs in the build directory, keyed by a digest
of everything that goes into it, so tests do not rebuild it each time.
"""

import fcntl
import glob
import gzip
import hashlib
import io
import lzma
import os
import re
import shutil
import stat
import struct
import subprocess
import time
import uuid as uuidlib

import vstest

__all__ = [
    "available", "build", "accel", "cmdline", "domain_xml", "wait_for",
    "progress",
    "check_progress", "write_backing", "memory_word", "BLOCK",
]

# Modules the guest needs; those built into the kernel are skipped and the
# dependencies of the others are added from modules.dep.
MODULES = ["virtio_blk", "virtio_net", "virtio_console", "virtio_balloon",
           "virtio_rng", "virtio_scsi", "sd_mod", "sr_mod", "ahci", "e1000e"]

BLOCK = 64 * 1024
GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
BUILDER_VERSION = "1"


def _guest_dir():
    return os.path.join(vstest.source_root(), "tests", "guest", "linux")


def lgcheck_binary():
    """The static checker built by meson."""
    return os.path.join(vstest.build_root(), "tests", "guest", "linux",
                        "lgcheck")


def kernel_version():
    """The newest kernel in /boot that has its modules installed, or None."""
    best = None
    for path in sorted(glob.glob("/boot/vmlinuz-*")):
        ver = path[len("/boot/vmlinuz-"):]
        if os.path.isfile("/lib/modules/%s/modules.dep" % ver):
            best = ver
    return best


def available():
    """None if the guest can be built here, else why not (for a SKIP)."""
    ver = kernel_version()
    if ver is None:
        return "no /boot/vmlinuz-* with /lib/modules (linux-image-amd64)"
    if not os.access("/boot/vmlinuz-%s" % ver, os.R_OK):
        return "/boot/vmlinuz-%s is not readable" % ver
    if not os.path.isfile("/bin/busybox"):
        return "no /bin/busybox (busybox-static)"
    if not os.path.isfile(lgcheck_binary()):
        return "lgcheck was not built"
    return None


def _modules(ver):
    """Paths (relative to /lib/modules/VER) to load, dependencies first."""
    root = "/lib/modules/%s" % ver
    deps = {}
    with open(os.path.join(root, "modules.dep")) as f:
        for line in f:
            name, _, rest = line.partition(":")
            deps[name.strip()] = rest.split()
    by_name = {}
    for path in deps:
        base = os.path.basename(path).split(".ko")[0]
        by_name[base.replace("-", "_")] = path
    order = []

    def add(path):
        if path in order:
            return
        for dep in deps.get(path, []):
            add(dep)
        order.append(path)

    for name in MODULES:
        path = by_name.get(name)
        if path is not None:
            add(path)
    return order


def _qemu_ga_files():
    """(source, path in the image) for qemu-ga and its libraries, or []."""
    ga = shutil.which("qemu-ga") or "/usr/sbin/qemu-ga"
    if not os.path.isfile(ga):
        return []
    out = subprocess.run(["ldd", ga], capture_output=True, text=True)
    if out.returncode != 0:
        return []
    files = [(ga, "usr/sbin/qemu-ga")]
    for line in out.stdout.splitlines():
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if m:
            files.append((os.path.realpath(m.group(1)),
                          m.group(1).lstrip("/")))
    return files


class _Cpio:
    """A writer of the cpio 'newc' format the kernel unpacks."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        name_b = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0,
                  2 if stat.S_ISDIR(mode) else 1, 0, len(data),
                  0, 0, rdev[0], rdev[1], len(name_b), 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
        self.buf.write(hdr + name_b)
        self.buf.write(b"\0" * (-(len(hdr) + len(name_b)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def mkdir(self, path):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.dirs:
                self.dirs.add(d)
                self._entry(d, stat.S_IFDIR | 0o755)

    def file(self, path, data, mode=0o644):
        path = path.strip("/")
        self.mkdir(os.path.dirname(path))
        self._entry(path, stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        path = path.strip("/")
        self.mkdir(os.path.dirname(path))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor):
        path = path.strip("/")
        self.mkdir(os.path.dirname(path))
        self._entry(path, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def build(workdir=None):
    """Build (or reuse) the guest; returns (kernel path, initrd path).

    @workdir: where the initramfs is kept (default: the build directory's
    tests/guest/linux/image). Raises RuntimeError if available() fails.
    """
    why = available()
    if why:
        raise RuntimeError("cannot build the Linux test guest: " + why)
    ver = kernel_version()
    kernel = "/boot/vmlinuz-%s" % ver
    if workdir is None:
        workdir = os.path.join(vstest.build_root(), "tests", "guest",
                               "linux", "image")
    os.makedirs(workdir, exist_ok=True)

    mods = _modules(ver)
    ga = _qemu_ga_files()
    init = _read(os.path.join(_guest_dir(), "init.sh"))
    lgcheck = _read(lgcheck_binary())
    digest = hashlib.sha256()
    for part in [BUILDER_VERSION, ver, " ".join(mods), init, lgcheck]:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    for src, dst in ga + [("/bin/busybox", "bin/busybox")]:
        st = os.stat(src)
        digest.update(("%s %s %d %d\0" % (src, dst, st.st_size,
                                          st.st_mtime_ns)).encode())
    initrd = os.path.join(workdir, "initrd-%s.gz" % digest.hexdigest()[:16])

    with open(os.path.join(workdir, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(initrd):
            return kernel, initrd

        cpio = _Cpio()
        for d in ["dev", "proc", "sys", "tmp", "run", "bin", "sbin",
                  "usr/bin", "usr/sbin", "lib/modules"]:
            cpio.mkdir(d)
        cpio.chardev("dev/console", 5, 1)
        cpio.file("init", init, 0o755)
        cpio.file("bin/busybox", _read("/bin/busybox"), 0o755)
        cpio.symlink("bin/sh", "busybox")
        cpio.file("bin/lgcheck", lgcheck, 0o755)
        names = []
        for rel in mods:
            data = _read("/lib/modules/%s/%s" % (ver, rel))
            base = os.path.basename(rel)
            if base.endswith(".xz"):
                data = lzma.decompress(data)
                base = base[:-3]
            cpio.file("lib/modules/" + base, data)
            names.append(base)
        cpio.file("lib/modules/order", ("\n".join(names) + "\n").encode())
        for src, dst in ga:
            cpio.file(dst, _read(src), 0o755)

        tmp = "%s.%d.tmp" % (initrd, os.getpid())
        with open(tmp, "wb") as f:
            f.write(gzip.compress(cpio.finish(), compresslevel=1))
        os.rename(tmp, initrd)
        for old in glob.glob(os.path.join(workdir, "initrd-*.gz")):
            if old != initrd:
                os.unlink(old)
    return kernel, initrd


def _probe_kvm(kernel, initrd, workdir, timeout):
    """Boot the guest once under KVM with nothing to do; True if its /init
    reports READY within @timeout seconds."""
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        return False
    log = os.path.join(workdir, "kvm-probe-%d.log" % os.getpid())
    args = [qemu, "-nodefaults", "-no-user-config", "-display", "none",
            "-machine", "pc,accel=kvm", "-cpu", "host,-arch-capabilities",
            "-m", "128", "-kernel", kernel, "-initrd", initrd,
            "-append", cmdline(mem=0, ga=False), "-serial", "file:" + log,
            "-no-reboot"]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if "LGUEST READY" in _log(log):
                return True
            time.sleep(0.5)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        try:
            os.unlink(log)
        except FileNotFoundError:
            pass


def accel(workdir=None, timeout=120.0):
    """'kvm' or 'tcg' for this guest.

    VS_TEST_ACCEL wins; without it, 'tcg' when vstest.accel() says so.
    Otherwise the guest is booted once under KVM: a host whose nested KVM
    cannot run a Linux kernel (the ring-3 test guest needs far less of
    it) gets 'tcg'. The answer is kept beside the initramfs.
    """
    forced = os.environ.get("VS_TEST_ACCEL")
    if forced:
        return forced
    if vstest.accel() != "kvm":
        return "tcg"
    kernel, initrd = build(workdir)
    answer = initrd + ".accel"
    try:
        with open(answer) as f:
            return f.read().strip()
    except FileNotFoundError:
        pass
    result = "kvm" if _probe_kvm(kernel, initrd, os.path.dirname(initrd),
                                 timeout) else "tcg"
    with open(answer + ".tmp", "w") as f:
        f.write(result + "\n")
    os.rename(answer + ".tmp", answer)
    return result


def cmdline(seed=1, mem=0, disk=None, diskbase=0, diskrw=8, net=None,
            peer=None, report="ttyS0", console="ttyS0", ga=True):
    """The kernel command line for the guest's options (see init.sh)."""
    words = ["console=%s" % console, "panic=-1", "quiet", "loglevel=4",
             "lg.seed=%d" % seed, "lg.mem=%d" % mem,
             "lg.report=%s" % report]
    if disk:
        words += ["lg.disk=%s" % disk, "lg.diskbase=%d" % diskbase,
                  "lg.diskrw=%d" % diskrw]
    if net:
        words += ["lg.net=%s" % net, "lg.peer=%s" % peer]
    if not ga:
        words.append("lg.ga=0")
    return " ".join(words)


def domain_xml(name, serial, memory_mib=256, vcpus=1, uuid=None,
               cmdline="", domain_type=None, machine="pc",
               extra_devices=""):
    """Domain XML booting the guest, its first serial port in @serial.

    @domain_type: "kvm" or "qemu"; default follows accel() above

    @serial: file that receives the guest's console (ttyS0)
    @cmdline: from cmdline() above
    @extra_devices: XML text put inside <devices>
    """
    kernel, initrd = build()
    if domain_type is None:
        domain_type = "kvm" if accel() == "kvm" else "qemu"
    cpu = ""
    if domain_type == "kvm":
        cpu = ("  <cpu mode='host-passthrough'>\n"
               "    <feature policy='disable' name='arch-capabilities'/>\n"
               "  </cpu>\n")
    if uuid is None:
        uuid = str(uuidlib.uuid4())
    return """<domain type='{type}'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
{cpu}  <memory unit='MiB'>{mem}</memory>
  <currentMemory unit='MiB'>{mem}</currentMemory>
  <vcpu>{vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='{machine}'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>{cmdline}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'>
      <source path='{serial}' append='on'/>
      <target port='0'/>
    </serial>
{extra}
  </devices>
</domain>
""".format(type=domain_type, name=name, uuid=uuid, cpu=cpu,
           mem=int(memory_mib), vcpus=int(vcpus), machine=machine,
           kernel=kernel, initrd=initrd,
           cmdline=cmdline, serial=serial, extra=extra_devices)


def wait_for(path, pattern, timeout=300.0, offset=0):
    """Wait for a line of the serial log @path matching @pattern.

    The same as vstest.wait_for_serial(); returns the match or None.
    """
    return vstest.wait_for_serial(path, pattern, timeout=timeout,
                                  offset=offset)


_PROGRESS = {
    "mem": re.compile(r"LGMEM PASS n=(\d+)"),
    "disk": re.compile(r"LGDISK PASS n=(\d+)"),
    "net": re.compile(r"LGNET OK n=(\d+)"),
}
_BAD = re.compile(r"LG(MEM|DISK|NET) (BAD|FAIL|ERROR)")


def _log(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def progress(path):
    """The last passes seen in @path: {"mem": n, "disk": n, "net": n,
    "bad": [lines], "size": bytes read}; 0 where none was seen."""
    text = _log(path)
    result = {"mem": 0, "disk": 0, "net": 0, "size": len(text.encode()),
              "bad": [line for line in text.splitlines()
                      if _BAD.search(line)]}
    for key, regex in _PROGRESS.items():
        for m in regex.finditer(text):
            result[key] = max(result[key], int(m.group(1)))
    return result


def check_progress(path, before, kinds=("mem", "disk", "net"),
                   timeout=300.0):
    """Wait until every checker in @kinds has completed two passes more
    than in @before (a progress() taken once the save has ended, as the
    guest runs while its memory is copied), so that one whole pass ran
    after the restore. Returns (True, "") or (False, why);
    any BAD, FAIL or ERROR line after @before fails at once."""
    deadline = time.monotonic() + timeout
    while True:
        now = progress(path)
        raw = _log(path).encode()
        # A serial file without append='on' starts empty again when QEMU
        # opens it for the restore: then all of it is new.
        start = before["size"] if len(raw) >= before["size"] else 0
        text = raw[start:].decode("utf-8", "replace")
        bad = [line for line in text.splitlines() if _BAD.search(line)]
        if bad:
            return False, "\n".join(bad[:10])
        late = [k for k in kinds if now[k] < before[k] + 2]
        if not late:
            return True, ""
        if time.monotonic() >= deadline:
            return False, "no new passes for %s: before %s, now %s" % (
                ",".join(late), {k: before[k] for k in kinds},
                {k: now[k] for k in kinds})
        time.sleep(0.5)


def _mix(x):
    x &= MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    x ^= x >> 31
    return x


def memory_word(seed, index):
    """Word @index of the memory lgcheck fills with @seed."""
    return _mix(seed ^ ((index * GOLDEN) & MASK))


def _block_bytes(seed, block, gen):
    base = _mix(seed ^ _mix((block * GOLDEN + gen) & MASK))
    words = [(base + j * GOLDEN) & MASK for j in range(BLOCK // 8)]
    return struct.pack("<%dQ" % len(words), *words)


def write_backing(path, seed, mib, size_mib=None):
    """Write the generation-0 blocks the guest expects in the first @mib
    MiB of its disk (lg.diskbase) into the raw file @path, sized
    @size_mib MiB (default @mib)."""
    with open(path, "wb") as f:
        for block in range(mib * 1024 * 1024 // BLOCK):
            f.write(_block_bytes(seed, block, 0))
        f.truncate((size_mib or mib) * 1024 * 1024)
