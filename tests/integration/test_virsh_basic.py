#!/usr/bin/env python3
"""virsh and python3-libvirt against virtsaved: the everyday commands.

SPDX-License-Identifier: LGPL-2.1-or-later

Runs the real virsh binary and the libvirt python bindings against a
virtsaved under a temporary root, with the test guest booted in real QEMU:
version, list, define, start, dominfo, domstate, dumpxml, suspend,
resume, destroy, undefine, failed lookups and read-only refusals.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vsbasic"


def start_daemon(tap):
    try:
        return vstest.Daemon().start()
    except RuntimeError as e:
        text = str(e)
        if "not supported by the connection driver" in text:
            tap.skip_all("the QEMU driver core is not available yet")
        raise


def domstate(d):
    return d.virsh("domstate", "--reason", NAME).stdout.strip()


def run_python(tap, d):
    libvirt = vstest.import_libvirt()
    if libvirt is None:
        tap.skip("python3-libvirt", "python3-libvirt is not installed")
        return
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    conn = libvirt.open(d.uri)
    tap.ok(conn is not None, "python: libvirt.open()")
    dom = conn.lookupByName(NAME)
    tap.ok(dom.name() == NAME and dom.ID() > 0, "python: lookupByName()",
           "id %d" % dom.ID())
    info = dom.info()
    tap.ok(info[0] == 1 and info[1] > 0 and info[3] == 1, "python: info()",
           repr(info))
    state = dom.state()
    tap.ok(state[0] == 1, "python: state() is running", repr(state))
    xml = dom.XMLDesc(0)
    tap.ok("<name>%s</name>" % NAME in xml, "python: XMLDesc()")
    try:
        conn.lookupByName("nosuch")
        tap.ok(False, "python: unknown name raises")
    except libvirt.libvirtError as e:
        tap.ok(e.get_error_code() == 42 and
               str(e) == "Domain not found: no domain with matching name "
                         "'nosuch'",
               "python: unknown name raises VIR_ERR_NO_DOMAIN",
               "%d %s" % (e.get_error_code(), e))
    conn.close()


def run(tap, d):
    serial = os.path.join(d.root, "serial.log")
    xml_path = os.path.join(d.root, NAME + ".xml")
    with open(xml_path, "w") as f:
        f.write(vstest.domain_xml(NAME, serial, memory_mib=64,
                                  cmdline="seed=7 fill=10"))

    vstest.check_run(tap, d.virsh("version"), "virsh version",
                stdout="Running hypervisor: QEMU")
    vstest.check_run(tap, d.virsh("list", "--all"), "virsh list --all (empty)")
    # virsh runs with -q, which silences its confirmations
    vstest.check_run(tap, d.virsh("define", xml_path), "virsh define")
    vstest.check_run(tap, d.virsh("list", "--all"), "list --all shows it shut off",
                stdout="shut off")
    vstest.check_run(tap, d.virsh("start", NAME), "virsh start")
    if os.path.exists(vstest.guest_kernel()):
        m = vstest.wait_for_serial(serial, r"VSGUEST BOOT", timeout=60)
        tap.ok(m is not None, "guest boots (serial console)",
               open(serial, errors="replace").read()[-2000:]
               if os.path.exists(serial) else "no serial file")
    else:
        tap.skip("guest boots", "test guest not built")
    vstest.check_run(tap, d.virsh("list"), "virsh list shows it running",
                stdout="running")
    r = d.virsh("dominfo", NAME)
    vstest.check_run(tap, r, "virsh dominfo", stdout="Persistent:     yes")
    tap.ok("running" in r.stdout and "OS Type:        hvm" in r.stdout,
           "dominfo: state and OS type", r.stdout)
    tap.ok(domstate(d) == "running (booted)", "domstate --reason: booted",
           domstate(d))
    vstest.check_run(tap, d.virsh("dumpxml", NAME), "virsh dumpxml",
                stdout="<name>%s</name>" % NAME)

    vstest.check_run(tap, d.virsh("suspend", NAME), "virsh suspend")
    tap.ok(domstate(d) == "paused (user)", "domstate: paused (user)",
           domstate(d))
    vstest.check_run(tap, d.virsh("resume", NAME), "virsh resume")
    tap.ok(domstate(d) == "running (unpaused)", "domstate: running (unpaused)",
           domstate(d))

    vstest.check_run(tap, d.virsh("destroy", NAME, readonly=True),
                "virsh -r destroy is refused", want_rc=1,
                stderr="operation forbidden: read only access prevents "
                       "virDomainDestroy")
    vstest.check_run(tap, d.virsh("domstate", NAME, readonly=True),
                "virsh -r domstate works", stdout="running")

    run_python(tap, d)

    vstest.check_run(tap, d.virsh("destroy", NAME), "virsh destroy")
    tap.ok(domstate(d) == "shut off (destroyed)",
           "domstate: shut off (destroyed)", domstate(d))
    vstest.check_run(tap, d.virsh("undefine", NAME), "virsh undefine")
    vstest.check_run(tap, d.virsh("dominfo", NAME), "lookup of an undefined name",
                want_rc=1, stderr="error: failed to get domain '%s'" % NAME)
    vstest.check_run(tap, d.virsh("dominfo", "nosuch"), "lookup of an unknown name",
                want_rc=1, stderr="error: failed to get domain 'nosuch'")


def main():
    tap = vstest.TAP()
    d = start_daemon(tap)
    try:
        run(tap, d)
    finally:
        d.virsh("destroy", NAME)
        d.virsh("undefine", NAME)
        status = d.stop()
        tap.ok(status == 0, "daemon exits 0 on SIGTERM", d.output())
        d.cleanup()
    tap.exit()


if __name__ == "__main__":
    main()
