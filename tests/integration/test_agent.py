#!/usr/bin/env python3
"""Guest agent calls with virsh and python3-libvirt.

SPDX-License-Identifier: LGPL-2.1-or-later

The test guest has no guest agent, so with the org.qemu.guest_agent.0
channel configured every agent call must fail quickly and clearly with
libvirt's "agent unresponsive" error (the guest never opens the port),
and without the channel with "not configured". Neither may hold up the
domain: a save runs right after a refused call, and the calls are
refused the same way after the restore. A paused domain is refused as
"not running".
"""

import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vsagent"
PLAIN = "vsagent-plain"

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


def check(tap, r, desc, want_rc=0, stdout=None, stderr=None):
    ok = r.returncode == want_rc
    if stdout is not None:
        ok = ok and stdout in r.stdout
    if stderr is not None:
        ok = ok and stderr in r.stderr
    return tap.ok(ok, desc, "rc=%d\nstdout: %s\nstderr: %s" %
                  (r.returncode, r.stdout, r.stderr))


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
                 ("shutdown", NAME, "--mode", "agent"),
                 ("reboot", NAME, "--mode", "agent")):
        r, took = timed_virsh(d, *args)
        check(tap, r, "%s: %s is refused: agent not connected" %
              (what, " ".join(args[:1] + args[2:])), want_rc=1,
              stderr="QEMU guest agent is not connected")
        tap.ok(took < 4.0, "%s: %s answered in %.1f s" % (what, args[0], took))
    r = d.virsh("domstate", NAME)
    check(tap, r, "%s: the domain still runs" % what, stdout="running")


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


def run(tap, d, tmp):
    for name, agent in ((NAME, True), (PLAIN, False)):
        path = os.path.join(tmp, name + ".xml")
        with open(path, "w") as f:
            f.write(domain_xml(tmp, name, agent))
        check(tap, d.virsh("define", path), "define %s" % name)
        check(tap, d.virsh("start", name), "start %s" % name)
    if not vstest.wait_for_serial(os.path.join(tmp, NAME + ".log"),
                                  r"VSGUEST BOOT", timeout=60):
        tap.diag("the guest did not print its ready line; continuing")

    check(tap, d.virsh("domtime", PLAIN), "no channel: domtime is refused",
          want_rc=1, stderr="QEMU guest agent is not configured")
    check(tap, d.virsh("shutdown", PLAIN, "--mode", "agent"),
          "no channel: shutdown --mode agent is refused", want_rc=1,
          stderr="QEMU guest agent is not configured")
    check_unresponsive(tap, d, "before save")

    libvirt = vstest.import_libvirt()
    if libvirt is None:
        tap.skip("python3-libvirt calls", "python3-libvirt is not installed")
    else:
        check_python(tap, libvirt, d, "before save")

    check(tap, d.virsh("suspend", NAME), "suspend")
    check(tap, d.virsh("domtime", NAME), "paused: domtime is refused",
          want_rc=1, stderr="domain is not running")
    check(tap, d.virsh("resume", NAME), "resume")

    image = os.path.join(tmp, "agent.save")
    check(tap, d.virsh("save", NAME, image, "--image-format", "sparse",
                       "--bypass-cache"), "save (sparse, bypass cache)")
    check(tap, d.virsh("domtime", NAME), "saved: domtime is refused",
          want_rc=1, stderr="not running")
    check(tap, d.virsh("restore", image), "restore")
    check_unresponsive(tap, d, "after restore")


def main():
    tap = vstest.TAP()
    tmp = tempfile.mkdtemp(prefix="vsagent-%d-" % os.getpid())
    with vstest.Daemon() as d:
        try:
            run(tap, d, tmp)
        finally:
            for name in (NAME, PLAIN):
                d.virsh("destroy", name)
                d.virsh("undefine", name)
            shutil.rmtree(tmp, ignore_errors=True)
    tap.exit()


if __name__ == "__main__":
    main()
