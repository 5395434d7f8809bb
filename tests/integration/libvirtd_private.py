"""libvirtd_private: run the real libvirtd privately for one test.

SPDX-License-Identifier: LGPL-2.1-or-later

A privileged libvirtd always reads its QEMU driver settings from
/etc/libvirt/qemu.conf and keeps its state under /run/libvirt,
/var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt; none of these
can be moved by a command line option. So the daemon runs in a mount
namespace of its own (util-linux unshare) in which a temporary directory
is bind-mounted over each of them. Nothing outside the temporary
directory is read or written, the machine's own libvirt configuration is
left alone, and everything vanishes with the directory.

    with libvirtd_private.Libvirtd() as lv:
        lv.virsh("create", "dom.xml")

The daemon listens only on a UNIX socket inside the temporary directory,
without authentication; QEMU runs as root with no security driver, no
cgroups and no namespaces, and its output goes straight to a file, so
neither virtlogd nor virtlockd is needed.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import vstest

__all__ = ["Libvirtd", "unavailable_reason"]

LIBVIRTD = "/usr/sbin/libvirtd"

# directory inside the temporary root -> the system path it replaces
MOUNTS = (
    ("etc", "/etc/libvirt"),
    ("runroot", "/run"),
    ("lib", "/var/lib/libvirt"),
    ("cache", "/var/cache/libvirt"),
    ("log", "/var/log/libvirt"),
)

QEMU_CONF = """\
security_driver = "none"
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
namespaces = [ ]
cgroup_controllers = [ ]
stdio_handler = "file"
"""

LIBVIRTD_CONF = """\
listen_tls = 0
listen_tcp = 0
unix_sock_dir = "{sockdir}"
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "1:file:{log}"
log_filters = "1:qemu.qemu_migration 1:qemu.qemu_saveimage \
1:qemu.qemu_process 1:qemu.qemu_driver 3:*"
"""


def _qemu_driver_module():
    pattern = "/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so"
    found = glob.glob(pattern)
    return found[0] if found else None


def unavailable_reason():
    """Why a private libvirtd cannot run here, or None if it can."""
    if not os.access(LIBVIRTD, os.X_OK):
        return "libvirtd is not installed (%s)" % LIBVIRTD
    if _qemu_driver_module() is None:
        return "libvirt's QEMU driver module is not installed"
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "util-linux unshare/mount are missing"
    if os.geteuid() != 0:
        return "a private privileged libvirtd needs root"
    if shutil.which("virsh") is None:
        return "virsh is not installed"
    return None


class Libvirtd:
    """A real libvirtd confined to a temporary directory."""

    def __init__(self, root=None, wrapper=()):
        """@wrapper: a command prefix that execs what follows, e.g.
        ("ip", "netns", "exec", NAME) for a network namespace."""
        self._tmp = None
        self.wrapper = list(wrapper)
        if root is None:
            self._tmp = tempfile.mkdtemp(prefix="vslibvirtd-")
            root = self._tmp
        self.root = root
        self.proc = None
        self._stderr = None
        self.stderr_path = os.path.join(root, "libvirtd.stderr")

    def _dir(self, name):
        return os.path.join(self.root, name)

    @property
    def socket(self):
        return os.path.join(self._dir("sock"), "libvirt-sock")

    @property
    def uri(self):
        return vstest.uri_for_socket(self.socket)

    @property
    def log_path(self):
        """The daemon's debug log."""
        return os.path.join(self._dir("log"), "libvirtd.log")

    def qemu_log(self, name):
        """libvirt's per-domain log (QEMU command line and stderr)."""
        return os.path.join(self._dir("log"), "qemu", "%s.log" % name)

    def _write_config(self):
        for d, _ in MOUNTS:
            os.makedirs(self._dir(d), exist_ok=True)
        os.makedirs(self._dir("sock"), exist_ok=True)
        with open(os.path.join(self._dir("etc"), "qemu.conf"), "w") as f:
            f.write(QEMU_CONF)
        conf = os.path.join(self._dir("etc"), "libvirtd.conf")
        with open(conf, "w") as f:
            f.write(LIBVIRTD_CONF.format(sockdir=self._dir("sock"),
                                         log=self.log_path))
        return conf

    def start(self, timeout=60.0):
        """Start libvirtd; wait until it answers 'virsh version'."""
        conf = self._write_config()
        script = " && ".join(
            "mount --bind '%s' '%s'" % (self._dir(d), target)
            for d, target in MOUNTS)
        script += " && exec '%s' --config '%s' --pid-file '%s'" % (
            LIBVIRTD, conf, os.path.join(self.root, "libvirtd.pid"))
        self._stderr = open(self.stderr_path, "ab")
        # unshare execs sh, which execs libvirtd: the pid is the daemon's
        self.proc = subprocess.Popen(
            self.wrapper +
            ["unshare", "--mount", "--propagation", "private", "--",
             "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=self._stderr,
            stderr=self._stderr, cwd=self.root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("libvirtd exited with status %d:\n%s" %
                                   (self.proc.returncode, self.output()))
            if self._listening():
                r = self.virsh("version", timeout=max(
                    5, deadline - time.monotonic()))
                if r.returncode == 0:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("libvirtd did not answer within %gs:\n%s" %
                           (timeout, self.output()))

    def _listening(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(1.0)
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def output(self):
        """The daemon's stderr and the tail of its log, for diagnostics."""
        text = ""
        for path in (self.stderr_path, self.log_path):
            try:
                with open(path, "r", errors="replace") as f:
                    text += f.read()[-4000:]
            except OSError:
                pass
        return text

    def virsh(self, *args, **kwargs):
        """vstest.virsh() against this libvirtd."""
        return vstest.virsh(self.uri, *args, **kwargs)

    def _qemu_pids(self):
        """Pids of QEMU processes this libvirtd started and left behind."""
        pids = []
        piddir = os.path.join(self._dir("runroot"), "libvirt", "qemu")
        for path in glob.glob(os.path.join(piddir, "*.pid")):
            try:
                with open(path) as f:
                    pid = int(f.read().strip())
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cmd = f.read()
            except (OSError, ValueError):
                continue
            if b"qemu" in cmd:
                pids.append(pid)
        return pids

    def stop(self, timeout=30.0):
        """Destroy and undefine every domain, stop libvirtd, reap QEMU."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            r = self.virsh("list", "--all", "--name", timeout=30)
            names = r.stdout.split() if r.returncode == 0 else []
            for name in names:
                self.virsh("destroy", name, timeout=30)
                self.virsh("undefine", name, "--managed-save", timeout=30)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # domains that could not be destroyed through the API
        for pid in self._qemu_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._stderr.close()
        return self.proc.returncode

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
        try:
            self.stop()
        finally:
            self.cleanup()
        return False
