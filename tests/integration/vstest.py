"""vstest: shared helpers for virtsave's integration tests and tools.

SPDX-License-Identifier: LGPL-2.1-or-later

Each integration test is a standalone script that prints TAP. A typical
test::

    import vstest

    tap = vstest.TAP()
    with vstest.Daemon() as d:
        r = d.virsh("list", "--all")
        tap.ok(r.returncode == 0, "virsh list", r.stderr)
    tap.exit()

Environment (set by meson, see tests/meson.build):

  VS_BUILD_ROOT      the build directory (virtsaved, the test guest)
  VS_SOURCE_ROOT     the source directory
  VS_TEST_ACCEL      force "kvm" or "tcg" instead of probing /dev/kvm
  VS_TEST_VIRTSAVED  run this daemon binary instead of the built one
  VS_TEST_KEEP       keep the temporary root directory for inspection

The tools (tools/demo.py, tools/bench-*) import it too, from this
directory, for the daemon, the test guest and the disk baseline.

The interface of this module is stable: other tests import it. Add to
it; do not change what existing functions return.
"""

import collections
import concurrent.futures
import json
import mmap
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib

__all__ = [
    "TAP", "Daemon", "accel", "build_root", "source_root", "virtsave_tool",
    "virtsaved_binary", "guest_kernel", "domain_xml", "wait_for_serial",
    "import_libvirt", "virsh", "uri_for_socket", "serial_offset",
    "guest_passes", "wait_guest_passes", "run_virtsave", "image_info",
    "virsh_command", "allocated", "remove_file", "drop_caches", "MiB",
    "DISK_REQUEST", "DiskBandwidth", "disk_bandwidth", "guest_verified",
    "parse_save_timeline", "find_save_timeline",
]


class TAP:
    """Minimal TAP producer: plan, results, diagnostics, exit status."""

    def __init__(self, plan=None):
        self.count = 0
        self.failed = 0
        self.planned = plan
        if plan is not None:
            print("1..%d" % plan, flush=True)

    def diag(self, text):
        """Print @text as TAP diagnostics (one '# ' line per line)."""
        for line in str(text).rstrip().splitlines():
            print("# " + line, flush=True)

    def ok(self, cond, desc, diag=None):
        """Record one result; on failure print @diag (any object)."""
        self.count += 1
        if cond:
            print("ok %d - %s" % (self.count, desc), flush=True)
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.count, desc), flush=True)
            if diag is not None:
                self.diag(diag)
        return bool(cond)

    def skip(self, desc, reason):
        """Record a skipped test."""
        self.count += 1
        print("ok %d - %s # SKIP %s" % (self.count, desc, reason), flush=True)

    def skip_all(self, reason):
        """Skip the whole script (only before any result) and exit."""
        print("1..0 # SKIP %s" % reason, flush=True)
        sys.exit(0)

    def exit(self):
        """Print the plan if none was given, then exit 0 or 1."""
        if self.planned is None:
            print("1..%d" % self.count, flush=True)
        elif self.planned != self.count:
            self.diag("planned %d tests, ran %d" % (self.planned, self.count))
            self.failed += 1
        sys.exit(1 if self.failed else 0)


def build_root():
    """The meson build directory."""
    root = os.environ.get("VS_BUILD_ROOT")
    if root:
        return root
    return os.path.join(source_root(), "build")


def source_root():
    """The source tree."""
    root = os.environ.get("VS_SOURCE_ROOT")
    if root:
        return root
    return os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))


def virtsaved_binary():
    """Path of the daemon under test."""
    return os.environ.get("VS_TEST_VIRTSAVED") or os.path.join(
        build_root(), "src", "daemon", "virtsaved")


def virtsave_tool():
    """The virtsave command-line tool of the build tree."""
    return os.path.join(build_root(), "tools", "virtsave")


def guest_kernel():
    """Path of the multiboot test guest, tests/guest/vsguest.elf."""
    return os.path.join(build_root(), "tests", "guest", "vsguest.elf")


def accel():
    """'kvm' if /dev/kvm opens read-write, else 'tcg' (VS_TEST_ACCEL wins)."""
    forced = os.environ.get("VS_TEST_ACCEL")
    if forced:
        return forced
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return "tcg"
    os.close(fd)
    return "kvm"


def uri_for_socket(path):
    """The libvirt URI that reaches a daemon listening on @path."""
    return "qemu+unix:///system?socket=%s" % path


def domain_xml(name, serial, memory_mib=64, vcpus=1, uuid=None,
               cmdline="", domain_type=None, serial_append=False,
               balloon=True):
    """Domain XML that boots the test guest with its serial port in a file.

    @serial: file that receives the guest's console output
    @cmdline: guest options such as "seed=7 fill=50 verify=1"
    @domain_type: "kvm" or "qemu"; default follows accel()
    @serial_append: keep the console of every QEMU the domain runs in
      (a restore starts a new one), instead of truncating the file
    @balloon: False for no memory balloon device, so that the guest's
      RAM stays as it filled it
    """
    if domain_type is None:
        domain_type = "kvm" if accel() == "kvm" else "qemu"
    if uuid is None:
        uuid = str(uuidlib.uuid4())
    source = "<source path='%s'%s/>" % (
        serial, " append='on'" if serial_append else "")
    devices = "" if balloon else "    <memballoon model='none'/>\n"
    return """<domain type='{type}'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>{mem}</memory>
  <currentMemory unit='MiB'>{mem}</currentMemory>
  <vcpu>{vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <cmdline>{cmdline}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'>
      {source}
      <target port='0'/>
    </serial>
{devices}  </devices>
</domain>
""".format(type=domain_type, name=name, uuid=uuid, mem=int(memory_mib),
           vcpus=int(vcpus), kernel=guest_kernel(), cmdline=cmdline,
           source=source, devices=devices)


def wait_for_serial(path, pattern, timeout=30.0, offset=0):
    """Wait until a line of @path (from byte @offset) matches @pattern.

    Returns the re.Match of the first matching line, or None on timeout.
    """
    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            data = ""
        for line in data.splitlines():
            m = regex.search(line)
            if m:
                return m
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


GUEST_OK_RE = re.compile(r"VSGUEST VERIFY OK pass=(\d+)")
GUEST_BROKEN_RE = re.compile(r"VSGUEST (VERIFY BAD|FAULT|ERROR)")


def serial_offset(path):
    """The size of the serial file @path now (0 before it exists): mark
    it before a save or restore, and count the passes after the mark."""
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def _serial_since(path, offset):
    """The text of @path from the start of the line holding byte @offset:
    a line the guest was still printing at @offset counts as after it."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return ""
    start = data.rfind(b"\n", 0, offset) + 1
    return data[start:].decode("utf-8", "replace")


def guest_passes(path, offset=0):
    """How many "VSGUEST VERIFY OK" lines the test guest has printed to
    @path after byte @offset."""
    return len(GUEST_OK_RE.findall(_serial_since(path, offset)))


def wait_guest_passes(path, offset=0, count=1, timeout=120.0, poll=0.1):
    """Wait until the test guest has printed @count verify passes to the
    serial file @path after byte @offset (see serial_offset()).

    After a restore, wait for two: the pass running while the guest was
    saved may have checked part of its memory before the save; the one
    after it checked all of it after the restore.

    Returns (True, the last pass line) or, when the guest reports damage
    or @timeout seconds pass first, (False, diagnostics).
    """
    deadline = time.monotonic() + timeout
    while True:
        data = _serial_since(path, offset)
        broken = GUEST_BROKEN_RE.search(data)
        if broken:
            return False, "guest reports: %s\n%s" % (broken.group(0),
                                                      data[-1500:])
        lines = [m.group(0) for m in GUEST_OK_RE.finditer(data)]
        if len(lines) >= count:
            return True, lines[count - 1]
        if time.monotonic() >= deadline:
            return False, "%d of %d passes within %gs; serial:\n%s" % (
                len(lines), count, timeout, data[-1500:])
        time.sleep(poll)


def guest_verified(path, offset=0, count=1, timeout=300.0, poll=0.1):
    """wait_guest_passes() for tools: returns the line of the last pass
    waited for, or raises RuntimeError with the diagnostics."""
    ok, text = wait_guest_passes(path, offset, count, timeout, poll)
    if not ok:
        raise RuntimeError("the guest did not verify its memory: %s" % text)
    return text


def run_virtsave(*args, timeout=120):
    """Run the virtsave tool of the build tree; returns its
    subprocess.CompletedProcess, output as text."""
    return subprocess.run([virtsave_tool()] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout)


def image_info(path):
    """`virtsave image info --json @path`: (the parsed object or None,
    the subprocess.CompletedProcess)."""
    r = run_virtsave("image", "info", "--json", path)
    try:
        return json.loads(r.stdout), r
    except ValueError:
        return None, r


def remove_file(path):
    """Unlink @path if it exists."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def allocated(path):
    """Bytes the file @path holds on disk (its holes not counted)."""
    return os.stat(path).st_blocks * 512


def import_libvirt():
    """Return the libvirt python module, or None if it is not installed.

    Debian installs python3-libvirt for the system interpreter only; when
    tests run under another build of the same Python version, its
    dist-packages directory is added to the path.
    """
    try:
        import libvirt
        return libvirt
    except ImportError:
        pass
    ver = "%d.%d" % sys.version_info[:2]
    for d in ("/usr/lib/python3/dist-packages",
              "/usr/lib/python%s/dist-packages" % ver):
        if os.path.isdir(d) and d not in sys.path:
            sys.path.append(d)
    try:
        import libvirt
        return libvirt
    except ImportError:
        return None


MiB = 1024 * 1024
# One request size for every disk baseline: large enough that the
# device, not the system calls, is the limit, and the size of the
# iohelper's buffers.
DISK_REQUEST = 8 * MiB


class DiskBandwidth(collections.namedtuple(
        "DiskBandwidth", ["streams", "nbytes", "write", "durable", "read"])):
    """O_DIRECT bandwidth of a file system in MiB/s, aggregate over
    @streams, as disk_bandwidth() measured it on @nbytes bytes."""

    __slots__ = ()

    def __str__(self):
        return "%d stream%s: write %.0f, durable %.0f, read %.0f MiB/s" % (
            self.streams, "" if self.streams == 1 else "s", self.write,
            self.durable, self.read)


def drop_caches():
    """Write back dirty pages and drop the page cache (needs root);
    returns whether it could."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")
        return True
    except OSError:
        return False


def _at_once(fn, count):
    """fn(0) ... fn(@count - 1), each in a thread of its own; the wall
    time until the last returns. An exception in one is raised here."""
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        t0 = time.monotonic()
        list(pool.map(fn, range(count)))
        return time.monotonic() - t0


def _pread(fd, buf, offset):
    """os.pread() into @buf."""
    return os.preadv(fd, [buf], offset)


def _direct_io(io, fd, buf, nbytes):
    """@io (os.pwrite or _pread) over the first @nbytes of @fd, one
    request of len(@buf) at a time."""
    for off in range(0, nbytes, len(buf)):
        done = io(fd, buf, off)
        if done != len(buf):
            raise OSError("short O_DIRECT transfer: %d of %d bytes at %d"
                          % (done, len(buf), off))


def disk_bandwidth(directory, nbytes, streams=1, drop_cache=False):
    """The O_DIRECT bandwidth of @directory's file system, measured the
    one way every virtsave benchmark uses (docs/benchmarks.md).

    @streams threads each create a file of their own and write
    @nbytes / @streams bytes to it (whole requests of DISK_REQUEST
    bytes, random data, so that neither compression nor zero detection
    helps), then fdatasync it; then, after dropping the page cache if
    @drop_cache, read it back the same way. The files are removed.

    Returns a DiskBandwidth: write is the time until the last write
    returned, durable until the last fdatasync returned (a save is
    durable before it returns), read that of the reads.
    """
    per = max(1, nbytes // streams // DISK_REQUEST) * DISK_REQUEST
    paths = [os.path.join(directory, ".vs-disk-%d-%d" % (os.getpid(), i))
             for i in range(streams)]
    # mmap's buffers are page aligned, as O_DIRECT wants them.
    bufs = [mmap.mmap(-1, DISK_REQUEST) for _ in range(streams)]
    for buf in bufs:
        buf.write(os.urandom(DISK_REQUEST))
    fds = []
    try:
        for path in paths:
            fds.append(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC |
                               os.O_DIRECT | os.O_CLOEXEC, 0o600))
        t_write = _at_once(lambda i: _direct_io(os.pwrite, fds[i], bufs[i],
                                                per), streams)
        t_sync = _at_once(lambda i: os.fdatasync(fds[i]), streams)
        while fds:
            os.close(fds.pop())
        if drop_cache:
            drop_caches()
        for path in paths:
            fds.append(os.open(path, os.O_RDONLY | os.O_DIRECT |
                               os.O_CLOEXEC))
        t_read = _at_once(lambda i: _direct_io(_pread, fds[i], bufs[i],
                                               per), streams)
    finally:
        for fd in fds:
            os.close(fd)
        for path in paths:
            remove_file(path)
    mib = per * streams / MiB
    return DiskBandwidth(streams, per * streams, mib / t_write,
                         mib / (t_write + t_sync), mib / t_read)


BLKIO = "/sys/fs/cgroup/blkio"


class BlkioThrottle:
    """A cgroup v1 blkio group of the test's own that caps reads or writes
    (@kind "read" or "write") of the disk holding @directory at @bps bytes
    per second, for the processes added to it. Throttles O_DIRECT I/O."""

    def __init__(self, directory, kind, bps, tag):
        st = os.stat(directory)
        self.dev = "%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev))
        self.knob = "blkio.throttle.%s_bps_device" % kind
        self.bps = bps
        self.path = os.path.join(BLKIO, "%s-%d" % (tag, os.getpid()))

    @staticmethod
    def available(kind):
        return os.path.exists(os.path.join(BLKIO, "blkio.throttle.%s_bps_device"
                                           % kind))

    def create(self):
        os.mkdir(self.path)
        with open(os.path.join(self.path, self.knob), "w") as f:
            f.write("%s %d\n" % (self.dev, self.bps))

    def add(self, pid):
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    @staticmethod
    def release(pid):
        """Moves @pid back to the root group, out of the throttle."""
        with open(os.path.join(BLKIO, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    def remove(self):
        if not os.path.isdir(self.path):
            return
        with open(os.path.join(self.path, "cgroup.procs")) as f:
            pids = f.read().split()
        for pid in pids:
            try:
                self.release(pid)
            except OSError:
                pass
        os.rmdir(self.path)


NETNS_ENV = "VS_TEST_NETNS"


def in_own_netns(tag, bridge=None, address=None):
    """Run this test program inside a network namespace of its own.

    The first call starts the program again under `ip netns exec` in a
    new namespace named @tag plus the pid, exits with its status and
    removes the namespace (with everything in it) afterwards. Inside,
    the call brings lo up and, with @bridge, makes that bridge with
    @address ("10.0.77.1/24") and returns the namespace's name. Nothing
    in the namespace reaches the host's networks: it has no uplink.
    """
    ns = os.environ.get(NETNS_ENV)
    if ns:
        commands = [("link", "set", "lo", "up")]
        if bridge:
            commands += [("link", "add", bridge, "type", "bridge"),
                         ("addr", "add", address, "dev", bridge),
                         ("link", "set", bridge, "up")]
        for args in commands:
            subprocess.run(("ip",) + args, check=True)
        return ns
    if not shutil.which("ip"):
        TAP().skip_all("ip (iproute2) is not installed")
    ns = "%s%d" % (tag, os.getpid())
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        env = dict(os.environ)
        env[NETNS_ENV] = ns
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable,
                            os.path.abspath(sys.argv[0])] + sys.argv[1:],
                           env=env)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    sys.exit(r.returncode)


def check_run(tap, r, desc, want_rc=0, stdout=None, stderr=None):
    """One TAP line for a finished command @r: its exit status must be
    @want_rc, and its output must contain @stdout and @stderr where
    given. Returns whether it passed."""
    ok = r.returncode == want_rc
    if stdout is not None:
        ok = ok and stdout in r.stdout
    if stderr is not None:
        ok = ok and stderr in r.stderr
    return tap.ok(ok, desc, "rc=%d\nstdout: %s\nstderr: %s" %
                  (r.returncode, r.stdout, r.stderr))


def virsh_command(uri, *args, readonly=False, quiet=True, env=None):
    """The argv and the environment of a virsh call against @uri: C
    locale, no default URI from the caller's environment, @env on top."""
    cmd = ["virsh"] + (["-q"] if quiet else []) + ["-c", uri]
    if readonly:
        cmd.append("-r")
    cmd.extend(str(a) for a in args)
    full_env = dict(os.environ)
    full_env.setdefault("LC_ALL", "C")
    full_env.pop("VIRSH_DEFAULT_CONNECT_URI", None)
    full_env.pop("LIBVIRT_DEFAULT_URI", None)
    if env:
        full_env.update(env)
    return cmd, full_env


def virsh(uri, *args, readonly=False, timeout=120, input=None, env=None,
          check=False):
    """Run virsh against @uri; returns a subprocess.CompletedProcess.

    Output is text; a timeout is reported as returncode -9 with the
    partial output, so a hung command fails its test instead of the run.
    With @check (for tools), a failure raises RuntimeError with virsh's
    error instead.
    """
    cmd, full_env = virsh_command(uri, *args, readonly=readonly, env=env)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, input=input, env=full_env)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else e.stdout
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else e.stderr
        r = subprocess.CompletedProcess(cmd, -9, out or "",
                                        (err or "") + "\n(timed out)")
    if check and r.returncode != 0:
        raise RuntimeError("virsh %s failed: %s" % (
            " ".join(str(a) for a in args), r.stderr.strip()))
    return r


class Daemon:
    """A virtsaved running under a private root directory.

    Use as a context manager, or call start() and stop(). The root holds
    etc/virtsaved.conf (from @config, if given), run/virtsaved-sock,
    run/virtsaved.pid and log/virtsaved.log.
    """

    def __init__(self, root=None, config=None, args=(), verbose=True,
                 wrapper=(), qemu_conf=None):
        """@wrapper: a command prefix the daemon runs under, e.g.
        ("ip", "netns", "exec", NAME) for a network namespace; it must
        exec the daemon, so that the pid stays the daemon's.
        @qemu_conf: the text of etc/qemu.conf, if given."""
        self._tmp = None
        self.wrapper = list(wrapper)
        if root is None:
            self._tmp = tempfile.mkdtemp(prefix="vstest-")
            root = self._tmp
        self.root = root
        self.config = config
        self.qemu_conf = qemu_conf
        self.args = list(args)
        self.verbose = verbose
        self.proc = None
        self.stderr_path = os.path.join(root, "virtsaved.stderr")

    @property
    def socket(self):
        """Path of the daemon's socket."""
        return os.path.join(self.root, "run", "virtsaved-sock")

    @property
    def uri(self):
        """URI for virsh -c and libvirt.open()."""
        return uri_for_socket(self.socket)

    @property
    def log_path(self):
        """The daemon's log file."""
        return os.path.join(self.root, "log", "virtsaved.log")

    def log_text(self):
        """What the daemon's log holds now ("" before it exists)."""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def qemu_pid(self, name, timeout=0.0):
        """The pid of domain @name's QEMU from its status file, waiting up
        to @timeout seconds for the file; None when there is none."""
        path = os.path.join(self.root, "run", "qemu", name + ".xml")
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(path) as f:
                    m = re.search(r"<domstatus [^>]*pid='([1-9]\d*)'",
                                  f.read())
                if m:
                    return int(m.group(1))
            except FileNotFoundError:
                pass
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def start(self, timeout=20.0):
        """Start the daemon; wait until its socket accepts connections."""
        for name, text in (("virtsaved.conf", self.config),
                           ("qemu.conf", self.qemu_conf)):
            if text is None:
                continue
            os.makedirs(os.path.join(self.root, "etc"), exist_ok=True)
            with open(os.path.join(self.root, "etc", name), "w") as f:
                f.write(text)
        cmd = self.wrapper + [virtsaved_binary(), "--root", self.root]
        if self.verbose:
            cmd.append("--verbose")
        cmd.extend(self.args)
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self._stderr, stderr=self._stderr)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("virtsaved exited with status %d:\n%s" %
                                   (self.proc.returncode, self.output()))
            if self.alive():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("virtsaved did not listen within %gs:\n%s" %
                           (timeout, self.output()))

    def alive(self):
        """True if the socket accepts a connection right now."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(1.0)
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def running(self):
        """True while the daemon process has not exited."""
        return self.proc is not None and self.proc.poll() is None

    def output(self):
        """The daemon's stderr so far, for diagnostics."""
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                return f.read()[-8000:]
        except OSError:
            return ""

    def stop(self, timeout=30.0):
        """SIGTERM the daemon and wait; SIGKILL after @timeout.

        Returns the exit status (negative for a signal).
        """
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()
        return self.proc.returncode

    def virsh(self, *args, **kwargs):
        """vstest.virsh() against this daemon."""
        return virsh(self.uri, *args, **kwargs)

    def cleanup(self):
        """Remove the temporary root (unless VS_TEST_KEEP is set)."""
        if self._tmp and not os.environ.get("VS_TEST_KEEP"):
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except Exception:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False


SAVE_TIMELINE_RE = re.compile(
    r"domain '(?P<name>.*)': save timeline \(ms\): (?P<events>.*)$")


def parse_save_timeline(line):
    """The save timeline in one line of the daemon's log:

        domain 'NAME': save timeline (ms): checked 0.4, ..., stopped 860.4

    Returns (NAME, [(event, ms), ...]) in the order of the line, or None
    for another line. The events and their order differ between daemon
    versions; an item that is not "EVENT MS" is passed over.
    """
    m = SAVE_TIMELINE_RE.search(line)
    if not m:
        return None
    events = []
    for item in m.group("events").split(","):
        event, _, ms = item.strip().rpartition(" ")
        try:
            value = float(ms)
        except ValueError:
            continue
        if event:
            events.append((event, value))
    return m.group("name"), events


def find_save_timeline(log_text, name):
    """The events of the first save timeline of domain @name in
    @log_text (what the log gained since a save began), or None."""
    for line in log_text.splitlines():
        found = parse_save_timeline(line)
        if found and found[0] == name:
            return found[1]
    return None
