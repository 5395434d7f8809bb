#!/usr/bin/env python3
"""Guest agent calls with virsh and python3-libvirt.

SPDX-License-Identifier: LGPL-2.1-or-later

First with a real agent: a Linux guest running qemu-ga (agentguest.py)
answers domtime, domifaddr --source agent, domhostname, domfsfreeze and
python3-libvirt's getTime, setTime and interfaceAddresses with values
checked against the host's clock and the guest's configuration, the
same after a sparse --bypass-cache save and restore, then reboots and
powers off through the agent.

Then without one: the test guest has no guest agent, so with the org.qemu.guest_agent.0
channel configured every agent call must fail quickly and clearly with
libvirt's "agent unresponsive" error (the guest never opens the port),
and without the channel with "not configured". Neither may hold up the
domain: a save runs right after a refused call, and the calls are
refused the same way after the restore. A paused domain is refused as
"not running".
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
import agentguest  # noqa: E402
import vstest  # noqa: E402

NAME = "vsagent"
PLAIN = "vsagent-plain"
LINUX = "vsagent-linux"
LINUX_MAC = "52:54:00:12:34:78"
KERNEL = None

# libvirt's error numbers
ERR_OPERATION_INVALID = 55
ERR_ARGUMENT_UNSUPPORTED = 74
ERR_AGENT_UNRESPONSIVE = 86

CHANNEL = ("    <channel type='unix'>\n"
           "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
           "    </channel>\n"
           "  </devices>")


def domain_xml(tmp, name, agent):
    xml = vstest.domain_xml(name, os.path.join(tmp, name + ".log"))
    if agent:
        xml = xml.replace("  </devices>", CHANNEL)
    return xml


def timed_virsh(d, *args):
    start = time.monotonic()
    r = d.virsh(*args)
    return r, time.monotonic() - start


def check_unresponsive(tap, d, what):
    """Every agent call of @NAME fails fast as not connected."""
    for args in (("domtime", NAME), ("domtime", NAME, "--now"),
                 ("domtime", NAME, "--sync"),
                 ("domifaddr", NAME, "--source", "agent"),
                 ("domhostname", NAME, "--source", "agent"),
                 ("domfsfreeze", NAME), ("domfsthaw", NAME),
                 ("guestinfo", NAME),
                 ("shutdown", NAME, "--mode", "agent"),
                 ("reboot", NAME, "--mode", "agent")):
        r, took = timed_virsh(d, *args)
        vstest.check_run(tap, r, "%s: %s is refused: agent not connected" %
              (what, " ".join(args[:1] + args[2:])), want_rc=1,
              stderr="QEMU guest agent is not connected")
        tap.ok(took < 4.0, "%s: %s answered in %.1f s" % (what, args[0], took))
    r = d.virsh("domstate", NAME)
    vstest.check_run(tap, r, "%s: the domain still runs" % what, stdout="running")
    vstest.check_run(tap, d.virsh("dumpxml", NAME),
          "%s: live XML shows the agent channel disconnected" % what,
          stdout="name='org.qemu.guest_agent.0' state='disconnected'")


def check_python(tap, libvirt, d, what):
    conn = libvirt.open(d.uri)
    try:
        dom = conn.lookupByName(NAME)
        plain = conn.lookupByName(PLAIN)
        for desc, call, code in (
                ("getTime", lambda: dom.getTime(), ERR_AGENT_UNRESPONSIVE),
                ("setTime", lambda: dom.setTime({"seconds": 1}),
                 ERR_AGENT_UNRESPONSIVE),
                ("interfaceAddresses(agent)", lambda: dom.interfaceAddresses(
                    libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT),
                 ERR_AGENT_UNRESPONSIVE),
                ("shutdownFlags(agent)", lambda: dom.shutdownFlags(
                    libvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT),
                 ERR_AGENT_UNRESPONSIVE),
                ("getTime without the channel", lambda: plain.getTime(),
                 ERR_ARGUMENT_UNSUPPORTED),
                ("interfaceAddresses(agent) without the channel",
                 lambda: plain.interfaceAddresses(
                     libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT),
                 ERR_ARGUMENT_UNSUPPORTED)):
            try:
                call()
                tap.ok(False, "%s: python %s fails" % (what, desc))
            except libvirt.libvirtError as e:
                tap.ok(e.get_error_code() == code,
                       "%s: python %s fails with code %d" % (what, desc, code),
                       "code %d: %s" % (e.get_error_code(), e))
        try:
            dom.setTime({"seconds": 1, "nseconds": 1000000000})
            tap.ok(False, "%s: an out of range nseconds is refused" % what)
        except libvirt.libvirtError as e:
            tap.ok(e.get_error_code() == 8,
                   "%s: an out of range nseconds is refused" % what, str(e))
    finally:
        conn.close()


def linux_xml(tmp, kernel, initrd):
    # TCG with QEMU's richest CPU: the distribution kernel needs CPU
    # features a nested KVM host may not offer.
    return """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <cpu mode='host-passthrough'/>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <devices>
    <serial type='file'>
      <source path='{serial}'/>
      <target port='0'/>
    </serial>
    <interface type='user'>
      <mac address='{mac}'/>
      <model type='virtio'/>
    </interface>
{channel}""".format(name=LINUX, kernel=kernel, initrd=initrd, mac=LINUX_MAC,
                    serial=os.path.join(tmp, LINUX + ".log"),
                    channel=CHANNEL) + "\n</domain>\n"


def wait_agent(d, timeout=60.0):
    """Wait until the agent answers; returns the last virsh result."""
    deadline = time.monotonic() + timeout
    while True:
        r = d.virsh("domtime", LINUX)
        if r.returncode == 0 or time.monotonic() >= deadline:
            return r
        time.sleep(0.5)


def domtime(r):
    for word in r.stdout.split():
        if word.isdigit():
            return int(word)
    return -1


def serial_count(tmp, text):
    try:
        with open(os.path.join(tmp, LINUX + ".log"), "rb") as f:
            return f.read().decode("utf-8", "replace").count(text)
    except FileNotFoundError:
        return 0


def check_real_calls(tap, libvirt, d, what):
    r = wait_agent(d)
    vstest.check_run(tap, r, "%s: virsh domtime" % what, stdout="Time:")
    vstest.check_run(tap, d.virsh("dumpxml", LINUX),
          "%s: live XML shows the agent channel connected" % what,
          stdout="name='org.qemu.guest_agent.0' state='connected'")
    t = domtime(r)
    tap.ok(abs(t - time.time()) < 120, "%s: the guest's time %d is the "
           "host's %d" % (what, t, time.time()))
    r = d.virsh("domifaddr", LINUX, "--source", "agent")
    vstest.check_run(tap, r, "%s: domifaddr --source agent" % what)
    eth = [line for line in r.stdout.splitlines()
           if LINUX_MAC in line and agentguest.GUEST_IP + "/24" in line]
    lo = [line for line in r.stdout.splitlines()
          if line.split()[:1] == ["lo"] and "127.0.0.1/8" in line]
    tap.ok(eth and lo, "%s: the agent reports eth0 %s/24 with the domain's "
           "MAC, and lo" % (what, agentguest.GUEST_IP), r.stdout)
    vstest.check_run(tap, d.virsh("domhostname", LINUX, "--source", "agent"),
          "%s: domhostname --source agent" % what, stdout="agentguest")
    r = d.virsh("guestinfo", LINUX)
    vstest.check_run(tap, r, "%s: guestinfo" % what)
    info = dict((k.strip(), v.strip()) for k, v in
                (line.split(":", 1) for line in r.stdout.splitlines()
                 if ":" in line))
    release = os.path.basename(KERNEL)[len("vmlinuz-"):] if KERNEL else ""
    tap.ok(info.get("hostname") == "agentguest" and
           info.get("os.kernel-release") == release and
           int(info.get("if.count", "0")) >= 2 and
           "timezone.offset" in info,
           "%s: guestinfo: host name, kernel %s, interfaces, time zone" %
           (what, release), r.stdout)
    vstest.check_run(tap, d.virsh("guestinfo", LINUX, "--filesystem"),
          "%s: guestinfo --filesystem is refused" % what, want_rc=1,
          stderr="not supported by virtsaved")
    if libvirt is None:
        tap.skip("%s: python3-libvirt calls" % what, "no python3-libvirt")
        return
    conn = libvirt.open(d.uri)
    try:
        dom = conn.lookupByName(LINUX)
        t = dom.getTime()
        tap.ok(abs(t["seconds"] - time.time()) < 120 and
               0 <= t["nseconds"] < 1000000000,
               "%s: python getTime" % what, str(t))
        ifaces = dom.interfaceAddresses(
            libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
        eth0 = [v for v in ifaces.values() if v.get("hwaddr") == LINUX_MAC]
        tap.ok(eth0 and any(a["addr"] == agentguest.GUEST_IP and
                            a["prefix"] == 24 and
                            a["type"] == libvirt.VIR_IP_ADDR_TYPE_IPV4
                            for a in eth0[0]["addrs"] or []),
               "%s: python interfaceAddresses(agent)" % what, str(ifaces))
    finally:
        conn.close()


def check_set_time(tap, libvirt, d):
    vstest.check_run(tap, d.virsh("domtime", LINUX, "--time", "1700000000"),
          "domtime --time sets the guest's clock")
    t = domtime(d.virsh("domtime", LINUX))
    tap.ok(1700000000 <= t < 1700000000 + 60, "the guest reads it back", t)
    vstest.check_run(tap, d.virsh("domtime", LINUX, "--now"),
          "domtime --now sets the host's time")
    t = domtime(d.virsh("domtime", LINUX))
    tap.ok(abs(t - time.time()) < 60, "the guest's clock is the host's again",
           t)
    if libvirt is None:
        return
    conn = libvirt.open(d.uri)
    try:
        dom = conn.lookupByName(LINUX)
        now = int(time.time())
        dom.setTime({"seconds": now, "nseconds": 5})
        t = dom.getTime()
        tap.ok(abs(t["seconds"] - now) < 60, "python setTime", str(t))
    finally:
        conn.close()


def check_busy_channel(tap, d, tmp):
    """An agent call that cannot get through holds up neither queries nor
    a save, and gives up by itself."""
    xml = d.virsh("dumpxml", LINUX).stdout
    m = re.search(r"<source mode='bind' path='([^']+)'/>\s*"
                  r"<target type='virtio' name='org.qemu.guest_agent.0'", xml)
    if not tap.ok(m is not None, "live XML names the agent socket"):
        return
    # QEMU serves one client: hold the channel so the daemon's call waits
    holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    holder.connect(m.group(1))
    try:
        cmd = ["virsh", "-q", "-c", d.uri, "domtime", LINUX]
        start = time.monotonic()
        bg = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        t0 = time.monotonic()
        r = d.virsh("domstate", LINUX)
        took = time.monotonic() - t0
        tap.ok(r.returncode == 0 and took < 2.0 and bg.poll() is None,
               "domstate answers in %.1f s while an agent call waits" % took,
               r.stderr)
        image = os.path.join(tmp, "busy.save")
        r = d.virsh("save", LINUX, image, "--image-format", "sparse")
        vstest.check_run(tap, r, "a save runs while an agent call waits")
        out, err = bg.communicate(timeout=120)
        waited = time.monotonic() - start
        tap.ok(bg.returncode == 1 and waited < 60,
               "the waiting agent call gave up by itself after %.1f s" %
               waited, err)
    finally:
        holder.close()
    vstest.check_run(tap, d.virsh("restore", image), "restore after the busy save")
    vstest.check_run(tap, wait_agent(d), "the agent answers after that restore",
          stdout="Time:")


def run_real_agent(tap, d, tmp):
    reason = agentguest.unavailable_reason()
    if reason:
        tap.skip("guest agent in a Linux guest", reason)
        return
    global KERNEL
    kernel, initrd = agentguest.build(tmp)
    KERNEL = kernel
    path = os.path.join(tmp, LINUX + ".xml")
    with open(path, "w") as f:
        f.write(linux_xml(tmp, kernel, initrd))
    vstest.check_run(tap, d.virsh("define", path), "define %s" % LINUX)
    vstest.check_run(tap, d.virsh("start", LINUX), "start %s" % LINUX)
    m = vstest.wait_for_serial(os.path.join(tmp, LINUX + ".log"),
                               agentguest.READY, timeout=180)
    tap.ok(m is not None, "the Linux guest started its agent")
    libvirt = vstest.import_libvirt()
    check_real_calls(tap, libvirt, d, "running")
    check_set_time(tap, libvirt, d)
    vstest.check_run(tap, d.virsh("domfsfreeze", LINUX), "domfsfreeze")
    vstest.check_run(tap, d.virsh("domfsthaw", LINUX), "domfsthaw")

    image = os.path.join(tmp, "linux.save")
    vstest.check_run(tap, d.virsh("save", LINUX, image, "--image-format", "sparse",
                       "--bypass-cache"), "save the Linux guest (sparse, "
          "bypass cache)")
    vstest.check_run(tap, d.virsh("restore", image), "restore the Linux guest")
    check_real_calls(tap, libvirt, d, "after restore")
    check_busy_channel(tap, d, tmp)

    # the restored QEMU reopened (emptied) the serial file
    booted = serial_count(tmp, agentguest.READY)
    vstest.check_run(tap, d.virsh("reboot", LINUX, "--mode", "agent"),
          "reboot --mode agent")
    deadline = time.monotonic() + 180
    while serial_count(tmp, agentguest.READY) <= booted and \
            time.monotonic() < deadline:
        time.sleep(0.5)
    tap.ok(serial_count(tmp, agentguest.READY) > booted,
           "the guest rebooted through its agent")
    vstest.check_run(tap, wait_agent(d), "the agent answers after the reboot",
          stdout="Time:")

    vstest.check_run(tap, d.virsh("shutdown", LINUX, "--mode", "agent"),
          "shutdown --mode agent")
    deadline = time.monotonic() + 120
    state = ""
    while time.monotonic() < deadline:
        state = d.virsh("domstate", LINUX).stdout.strip()
        if state == "shut off":
            break
        time.sleep(0.5)
    tap.ok(state == "shut off", "the guest powered off through its agent",
           state)


def run(tap, d, tmp):
    run_real_agent(tap, d, tmp)
    for name, agent in ((NAME, True), (PLAIN, False)):
        path = os.path.join(tmp, name + ".xml")
        with open(path, "w") as f:
            f.write(domain_xml(tmp, name, agent))
        vstest.check_run(tap, d.virsh("define", path), "define %s" % name)
        vstest.check_run(tap, d.virsh("start", name), "start %s" % name)
    if not vstest.wait_for_serial(os.path.join(tmp, NAME + ".log"),
                                  r"VSGUEST BOOT", timeout=60):
        tap.diag("the guest did not print its ready line; continuing")

    vstest.check_run(tap, d.virsh("domtime", PLAIN), "no channel: domtime is refused",
          want_rc=1, stderr="QEMU guest agent is not configured")
    vstest.check_run(tap, d.virsh("shutdown", PLAIN, "--mode", "agent"),
          "no channel: shutdown --mode agent is refused", want_rc=1,
          stderr="QEMU guest agent is not configured")
    check_unresponsive(tap, d, "before save")

    libvirt = vstest.import_libvirt()
    if libvirt is None:
        tap.skip("python3-libvirt calls", "python3-libvirt is not installed")
    else:
        check_python(tap, libvirt, d, "before save")

    vstest.check_run(tap, d.virsh("suspend", NAME), "suspend")
    vstest.check_run(tap, d.virsh("domtime", NAME), "paused: domtime is refused",
          want_rc=1, stderr="domain is not running")
    vstest.check_run(tap, d.virsh("resume", NAME), "resume")

    image = os.path.join(tmp, "agent.save")
    vstest.check_run(tap, d.virsh("save", NAME, image, "--image-format", "sparse",
                       "--bypass-cache"), "save (sparse, bypass cache)")
    vstest.check_run(tap, d.virsh("domtime", NAME), "saved: domtime is refused",
          want_rc=1, stderr="not running")
    vstest.check_run(tap, d.virsh("restore", image), "restore")
    check_unresponsive(tap, d, "after restore")


def main():
    tap = vstest.TAP()
    tmp = tempfile.mkdtemp(prefix="vsagent-%d-" % os.getpid())
    with vstest.Daemon() as d:
        try:
            run(tap, d, tmp)
        finally:
            for name in (NAME, PLAIN, LINUX):
                d.virsh("destroy", name)
                d.virsh("undefine", name)
            shutil.rmtree(tmp, ignore_errors=True)
    tap.exit()


if __name__ == "__main__":
    main()
