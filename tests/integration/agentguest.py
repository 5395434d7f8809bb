"""agentguest: a small Linux guest that runs the QEMU guest agent.

SPDX-License-Identifier: LGPL-2.1-or-later

Built from the host's own files: the installed Debian kernel, its
virtio_net module, busybox-static and the host's qemu-ga with the
libraries it links. The initramfs brings up lo and eth0 (10.0.2.15/24,
QEMU's user-mode network), prints "AGENTGUEST UP" on the serial port and
runs qemu-ga on the agent's virtio port. /sbin/shutdown and
/sbin/hwclock are busybox, wrapped so that guest-shutdown powers off or
reboots at once.

    kernel, initrd = agentguest.build(tmpdir)   # or None, reason
"""

import glob
import os
import shutil
import subprocess

__all__ = ["build", "unavailable_reason", "GUEST_IP", "READY"]

GUEST_IP = "10.0.2.15"
READY = "AGENTGUEST UP"
BUSYBOX = "/bin/busybox"
QEMU_GA = "/usr/sbin/qemu-ga"

INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /run /tmp /var/run
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in failover net_failover virtio_net; do
    insmod /lib/modules/$m.ko 2>/dev/null
done
hostname agentguest
ip link set lo up
for i in 1 2 3 4 5 6 7 8 9 10; do
    [ -e /sys/class/net/eth0 ] && break
    sleep 0.2
done
ip link set eth0 up
ip addr add {ip}/24 dev eth0
port=""
for i in $(seq 1 50); do
    for p in /sys/class/virtio-ports/*; do
        [ "$(cat $p/name 2>/dev/null)" = org.qemu.guest_agent.0 ] && port=/dev/${{p##*/}}
    done
    [ -n "$port" ] && break
    sleep 0.1
done
echo "{ready} port=$port"
exec /usr/sbin/qemu-ga -m virtio-serial -p "$port" -t /run -f /run/qemu-ga.pid
"""

SHUTDOWN = """#!/bin/busybox sh
# qemu-ga runs shutdown with -r to reboot, -P or -H to power off or halt
echo "shutdown $*" > /dev/console
for arg in "$@"; do
    [ "$arg" = -r ] && exec /bin/busybox reboot -f
done
exec /bin/busybox poweroff -f
"""


def _kernel():
    kernels = sorted(glob.glob("/boot/vmlinuz-*"))
    return kernels[-1] if kernels else None


def unavailable_reason():
    """Why the guest cannot be built here, or None."""
    kernel = _kernel()
    if not kernel or not os.access(kernel, os.R_OK):
        return "no readable kernel in /boot"
    for path in (BUSYBOX, QEMU_GA):
        if not os.access(path, os.X_OK):
            return "%s is missing" % path
    for tool in ("cpio", "xz", "ldd"):
        if not shutil.which(tool):
            return "%s is missing" % tool
    return None


def _copy(src, root):
    dst = os.path.join(root, src.lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(os.path.realpath(src), dst)


def _libraries(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True,
                         check=True).stdout
    libs = []
    for line in out.splitlines():
        words = line.split()
        if "=>" in words and len(words) > words.index("=>") + 1:
            libs.append(words[words.index("=>") + 1])
        elif words and words[0].startswith("/"):
            libs.append(words[0])
    return [lib for lib in libs if os.path.exists(lib)]


def _write(path, text, mode=0o755):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def _modules(root, kernel):
    release = os.path.basename(kernel)[len("vmlinuz-"):]
    moddir = os.path.join(root, "lib", "modules")
    os.makedirs(moddir, exist_ok=True)
    for name in ("failover", "net_failover", "virtio_net"):
        found = glob.glob("/lib/modules/%s/kernel/**/%s.ko*" % (release, name),
                          recursive=True)
        if not found:
            continue
        dst = os.path.join(moddir, name + ".ko")
        if found[0].endswith(".xz"):
            with open(dst, "wb") as out:
                subprocess.run(["xz", "-dc", found[0]], stdout=out, check=True)
        else:
            shutil.copy2(found[0], dst)


def build(workdir):
    """Build the initramfs in @workdir; returns (kernel, initrd path)."""
    kernel = _kernel()
    root = os.path.join(workdir, "agentguest-root")
    os.makedirs(os.path.join(root, "bin"), exist_ok=True)
    shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
    _copy(QEMU_GA, root)
    for lib in _libraries(QEMU_GA):
        _copy(lib, root)
    _modules(root, kernel)
    _write(os.path.join(root, "init"), INIT.format(ip=GUEST_IP, ready=READY))
    _write(os.path.join(root, "sbin", "shutdown"), SHUTDOWN)
    os.symlink("/bin/busybox", os.path.join(root, "sbin", "hwclock"))
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    initrd = os.path.join(workdir, "agentguest.cpio")
    files = subprocess.run(["find", "."], cwd=root, capture_output=True,
                           text=True, check=True).stdout
    with open(initrd, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                       input=files.encode(), stdout=out, check=True)
    shutil.rmtree(root)
    return kernel, initrd
