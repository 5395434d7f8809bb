#!/usr/bin/env python3
"""Real management clients against virtsaved: libvirt-dbus (what
cockpit-machines talks to), virt-install, and the procedures each calls.

SPDX-License-Identifier: LGPL-2.1-or-later

libvirt-dbus runs on a private D-Bus system bus made by the test and
reaches virtsaved where libvirt clients look for qemu:///system
(virtsaved --system-socket). Through D-Bus the test defines, starts,
samples statistics of, saves and restores the test guest, as
cockpit-machines does. Every client runs with libvirt's client debug
log; the procedures it sent are read back from the log and none may
have been answered "unknown procedure".
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vsdbus"
SYSTEM_SOCKET = "/run/libvirt/libvirt-sock"

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

TX = re.compile(r"RPC_CLIENT_MSG_TX_QUEUE: .* prog=536903814 .* proc=(\d+) ")


def client_env(log):
    return {"LIBVIRT_DEBUG": "1",
            "LIBVIRT_LOG_FILTERS": "1:rpc 4:*",
            "LIBVIRT_LOG_OUTPUTS": "1:file:%s" % log}


def log_procedures(log):
    """The REMOTE procedures a client sent, and its log's unknown ones."""
    called = set()
    unknown = set()
    try:
        with open(log, errors="replace") as f:
            for line in f:
                m = TX.search(line)
                if m:
                    called.add(int(m.group(1)))
                m = re.search(r"unknown procedure: (\d+)", line)
                if m:
                    unknown.add(int(m.group(1)))
    except FileNotFoundError:
        pass
    return called, unknown


def check_log(tap, log, who):
    called, unknown = log_procedures(log)
    tap.diag("%s called procedures %s" % (who, sorted(called)))
    tap.ok(called and not unknown,
           "%s: every procedure it called is served" % who,
           "unknown: %s" % sorted(unknown))


def socket_in_use(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


class Bus:
    def __init__(self, tmp):
        self.path = os.path.join(tmp, "system_bus_socket")
        conf = os.path.join(tmp, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONFIG.format(path=self.path))
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + conf, "--nofork",
             "--print-address"], stdout=subprocess.PIPE, text=True)
        self.address = self.proc.stdout.readline().strip()

    def env(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        # the test harness's GLib debugging is for virtsave, not for
        # libvirt-dbus and gdbus
        env.pop("G_DEBUG", None)
        return env

    def call(self, path, method, *args, timeout=180):
        cmd = ["gdbus", "call", "--system", "--dest", "org.libvirt",
               "--object-path", path, "--method", method]
        cmd.extend(str(a) for a in args)
        return subprocess.run(cmd, env=self.env(), capture_output=True,
                              text=True, timeout=timeout)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def wait_for_name(bus, timeout=20):
    """Wait until libvirt-dbus owns its name: a call before that would
    make the bus try to activate the system's own libvirt-dbus."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = subprocess.run(
            ["gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
             "--object-path", "/org/freedesktop/DBus", "--method",
             "org.freedesktop.DBus.NameHasOwner", "org.libvirt"],
            env=bus.env(), capture_output=True, text=True, timeout=20)
        if "true" in r.stdout:
            return bus.call("/org/libvirt/QEMU",
                            "org.libvirt.Connect.ListDomains", 0)
        time.sleep(0.2)
    return r


def test_dbus(tap, d, tmp):
    if not shutil.which("libvirt-dbus") or not shutil.which("dbus-daemon"):
        tap.skip("libvirt-dbus", "libvirt-dbus or dbus-daemon is not installed")
        return
    bus = Bus(tmp)
    log = os.path.join(tmp, "libvirt-dbus.log")
    dbus = subprocess.Popen(["libvirt-dbus", "--system"],
                            env=dict(bus.env(), **client_env(log)),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        r = wait_for_name(bus)
        tap.ok(r.returncode == 0, "D-Bus: ListDomains on /org/libvirt/QEMU",
               r.stderr)
        serial = os.path.join(tmp, "dbus-serial.log")
        xml = vstest.domain_xml(NAME, serial).replace("'", '"')
        r = bus.call("/org/libvirt/QEMU", "org.libvirt.Connect.DomainDefineXML",
                     "'%s'" % xml)
        m = re.search(r"objectpath '([^']+)'", r.stdout)
        tap.ok(r.returncode == 0 and m, "D-Bus: DomainDefineXML", r.stderr)
        path = m.group(1) if m else "/org/libvirt/QEMU/domain/_none"
        r = bus.call("/org/libvirt/LXC", "org.libvirt.Connect.ListDomains", 0)
        tap.ok(r.returncode != 0 and "no connection driver" in r.stderr,
               "D-Bus: the LXC driver path lists nothing of virtsaved's",
               r.stdout + r.stderr)

        r = bus.call(path, "org.libvirt.Domain.Create", 0)
        tap.ok(r.returncode == 0, "D-Bus: Create", r.stderr)
        tap.ok(vstest.wait_for_serial(serial, r"VSGUEST BOOT", 60) is not None,
               "the guest started through D-Bus booted")
        r = bus.call(path, "org.libvirt.Domain.GetStats", 0, 0)
        tap.ok(r.returncode == 0 and "'state.state': <<1>>" in r.stdout and
               "'cpu.time'" in r.stdout, "D-Bus: GetStats of the running guest",
               r.stdout + r.stderr)
        r = bus.call("/org/libvirt/QEMU",
                     "org.libvirt.Connect.GetAllDomainStats", 0, 0)
        tap.ok(r.returncode == 0 and NAME in r.stdout,
               "D-Bus: GetAllDomainStats", r.stdout[:500] + r.stderr)

        image = os.path.join(tmp, "dbus.save")
        r = bus.call(path, "org.libvirt.Domain.Save", image, "''", 0)
        tap.ok(r.returncode == 0 and os.path.getsize(image) > 0,
               "D-Bus: Save", r.stderr)
        check = d.virsh("domstate", NAME)
        tap.ok(check.stdout.strip() == "shut off",
               "the domain is shut off after the D-Bus save", check.stdout)
        r = subprocess.run([os.path.join(vstest.build_root(), "tools",
                                         "virtsave"), "image", "verify", image],
                           capture_output=True, text=True)
        tap.ok(r.returncode == 0, "the image saved through D-Bus verifies",
               r.stdout + r.stderr)
        r = bus.call("/org/libvirt/QEMU", "org.libvirt.Connect.DomainRestore",
                     image, "''", 0)
        tap.ok(r.returncode == 0, "D-Bus: DomainRestore", r.stderr)
        check = d.virsh("domstate", NAME)
        tap.ok(check.stdout.strip() == "running",
               "the domain runs after the D-Bus restore", check.stdout)
        r = bus.call(path, "org.libvirt.Domain.Destroy", 0)
        tap.ok(r.returncode == 0, "D-Bus: Destroy", r.stderr)
        r = bus.call(path, "org.libvirt.Domain.Undefine", 0)
        tap.ok(r.returncode == 0, "D-Bus: Undefine", r.stderr)
    finally:
        dbus.terminate()
        dbus.wait(10)
        bus.stop()
    check_log(tap, log, "libvirt-dbus")


def test_virsh_tools(tap, d, tmp):
    xml = os.path.join(tmp, "virsh.xml")
    with open(xml, "w") as f:
        f.write(vstest.domain_xml(NAME, os.path.join(tmp, "virsh-serial.log")))
    d.virsh("define", xml)
    d.virsh("start", NAME)
    for cmd in (("domstats",), ("dominfo", NAME), ("nodeinfo",),
                ("capabilities",), ("domcapabilities",), ("list", "--all"),
                ("domstate", "--reason", NAME)):
        log = os.path.join(tmp, "virsh-%s.log" % cmd[0])
        r = d.virsh(*cmd, env=client_env(log))
        tap.ok(r.returncode == 0, "virsh %s" % " ".join(cmd), r.stderr)
        check_log(tap, log, "virsh %s" % cmd[0])
    d.virsh("destroy", NAME)
    d.virsh("undefine", NAME)


def test_virt_install(tap, d, tmp):
    if not shutil.which("virt-install"):
        tap.skip("virt-install", "virt-install is not installed")
        return
    base = ["virt-install", "--connect", d.uri, "--name", "vsvirtinst",
            "--memory", "64", "--vcpus", "1",
            "--boot", "kernel=%s" % vstest.guest_kernel(),
            "--osinfo", "debian11", "--disk", "none", "--network", "none",
            "--graphics", "none", "--import", "--noautoconsole"]
    for extra, desc in ((["--print-xml"], "virt-install --print-xml"),
                        ([], "virt-install")):
        log = os.path.join(tmp, "virt-install%s.log" % "".join(extra))
        r = subprocess.run(base + extra, capture_output=True, text=True,
                           timeout=300, env=dict(os.environ, **client_env(log)))
        tap.ok(r.returncode == 0, "%s against virtsaved" % desc,
               r.stdout[-1000:] + r.stderr[-2000:])
        check_log(tap, log, desc)
    tap.ok("<name>vsvirtinst</name>" in d.virsh("dumpxml", "vsvirtinst").stdout
           and d.virsh("domstate", "vsvirtinst").stdout.strip() == "running",
           "the VM virt-install defined runs")
    d.virsh("destroy", "vsvirtinst")
    d.virsh("undefine", "vsvirtinst")


def test_virt_manager(tap, d, tmp):
    """virt-manager's own connection code under Xvfb: the domain shows."""
    if not shutil.which("virt-manager") or not shutil.which("Xvfb"):
        tap.skip("virt-manager", "virt-manager or Xvfb is not installed")
        return
    serial = os.path.join(tmp, "vmgr-serial.log")
    xml = os.path.join(tmp, "vmgr.xml")
    with open(xml, "w") as f:
        f.write(vstest.domain_xml("vsvmgr", serial))
    d.virsh("define", xml)
    d.virsh("start", "vsvmgr")
    display = ":%d" % (50 + os.getpid() % 400)
    home = os.path.join(tmp, "vmgr-home")
    os.makedirs(home)
    log = os.path.join(tmp, "virt-manager-client.log")
    env = dict(os.environ, DISPLAY=display, HOME=home, XDG_RUNTIME_DIR=home,
               **client_env(log))
    env.pop("G_DEBUG", None)
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24",
                             "-nolisten", "tcp"], stderr=subprocess.DEVNULL)
    vmgr = None
    try:
        time.sleep(1.0)
        vmgr = subprocess.Popen(["dbus-run-session", "--", "virt-manager",
                                 "--no-fork", "--debug", "--connect", d.uri],
                                env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        app_log = os.path.join(home, ".cache", "virt-manager",
                               "virt-manager.log")
        seen = vstest.wait_for_serial(app_log, r"vsvmgr", timeout=60)
        tap.ok(seen is not None, "virt-manager lists the domain",
               app_log)
        time.sleep(2.0)
        shot = os.path.join(tmp, "virt-manager.png")
        if shutil.which("import"):
            subprocess.run(["import", "-display", display, "-window", "root",
                            shot], timeout=30)
            tap.diag("screenshot of the connection: %s" % shot)
    finally:
        if vmgr:
            vmgr.terminate()
            try:
                vmgr.wait(15)
            except subprocess.TimeoutExpired:
                vmgr.kill()
        xvfb.terminate()
        xvfb.wait(10)
        d.virsh("destroy", "vsvmgr")
        d.virsh("undefine", "vsvmgr")
    check_log(tap, log, "virt-manager")


def main():
    tap = vstest.TAP()
    tmp = tempfile.mkdtemp(prefix="vsmgmtclients-")
    drop_in = os.geteuid() == 0 and not socket_in_use(SYSTEM_SOCKET)
    args = ["--system-socket"] if drop_in else []
    with vstest.Daemon(args=args) as d:
        try:
            test_virsh_tools(tap, d, tmp)
            test_virt_install(tap, d, tmp)
            test_virt_manager(tap, d, tmp)
            if drop_in:
                test_dbus(tap, d, tmp)
            else:
                tap.skip("libvirt-dbus", "%s is in use or not ours to take"
                         % SYSTEM_SOCKET)
        finally:
            # the daemon leaves guests running when it stops
            for name in (NAME, "vsvirtinst", "vsvmgr"):
                d.virsh("destroy", name)
                d.virsh("undefine", name)
    tap.exit()


if __name__ == "__main__":
    main()
