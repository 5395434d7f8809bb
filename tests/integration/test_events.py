#!/usr/bin/env python3
"""Domain lifecycle events, as virsh and python3-libvirt receive them.

SPDX-License-Identifier: LGPL-2.1-or-later

virt-manager and cockpit keep their views current from lifecycle events.
This test listens with `virsh event --all --loop` and with
python3-libvirt's default event loop (one registration for all domains,
one for a single domain, then deregistered) while the test guest is
defined, started, suspended, resumed, saved, restored, destroyed and
undefined, and compares the events with what libvirt sends for each.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vsevents"
OTHER = "vsevents2"

EXPECTED = [
    "Defined Added", "Started Booted", "Suspended Paused", "Resumed Unpaused",
    "Suspended Paused", "Stopped Saved", "Started Restored",
    "Stopped Destroyed", "Undefined Removed",
]
# (virDomainEventType, detail) of the same sequence
EXPECTED_CODES = [(0, 0), (2, 0), (3, 0), (4, 0), (3, 0), (5, 4), (2, 2),
                  (5, 1), (1, 0)]


def run_sequence(tap, d, tmp, name):
    xml = os.path.join(tmp, name + ".xml")
    with open(xml, "w") as f:
        f.write(vstest.domain_xml(name, os.path.join(tmp, name + ".log")))
    image = os.path.join(tmp, name + ".save")
    for args in (("define", xml), ("start", name), ("suspend", name),
                 ("resume", name), ("save", name, image), ("restore", image),
                 ("destroy", name), ("undefine", name)):
        r = d.virsh(*args)
        tap.ok(r.returncode == 0, "virsh %s %s" % (args[0], name), r.stderr)


def start_python_listener(libvirt, uri, events, ready):
    libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open(uri)

    def cb(conn_, dom, event, detail, tag):
        events.append((tag, dom.name(), event, detail))

    ids = [conn.domainEventRegisterAny(
        None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, "all")]
    state = {"conn": conn, "ids": ids, "stop": False, "cb": cb}

    def loop():
        while not state["stop"]:
            libvirt.virEventRunDefaultImpl()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    ready.set()
    return state


def main():
    tap = vstest.TAP()
    libvirt = vstest.import_libvirt()
    tmp = tempfile.mkdtemp(prefix="vsevents-")
    with vstest.Daemon() as d:
        virsh_ev = subprocess.Popen(
            ["virsh", "-c", d.uri, "event", "--all", "--loop", "--timeout",
             "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, LC_ALL="C"))
        events = []
        py = None
        if libvirt is not None:
            ready = threading.Event()
            py = start_python_listener(libvirt, d.uri, events, ready)
            ready.wait(10)
        time.sleep(1.0)

        run_sequence(tap, d, tmp, NAME)

        if py is not None:
            # one domain only: define it first so that it can be named
            xml = os.path.join(tmp, OTHER + ".xml")
            with open(xml, "w") as f:
                f.write(vstest.domain_xml(OTHER, os.path.join(tmp, "o.log")))
            d.virsh("define", xml)
            dom = py["conn"].lookupByName(OTHER)
            one = py["conn"].domainEventRegisterAny(
                dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, py["cb"], "one")
            d.virsh("start", OTHER)
            d.virsh("destroy", OTHER)
            py["conn"].domainEventDeregisterAny(one)
            d.virsh("start", OTHER)
            d.virsh("destroy", OTHER)
            d.virsh("undefine", OTHER)
            try:
                py["conn"].domainEventDeregisterAny(one)
                tap.ok(False, "python: a second deregistration is refused")
            except libvirt.libvirtError as e:
                tap.ok("not registered" in str(e),
                       "python: a second deregistration is refused", str(e))

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and py is not None:
            if len([e for e in events if e[0] == "all"]) >= \
                    len(EXPECTED) + 6:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        virsh_ev.terminate()
        out, err = virsh_ev.communicate(timeout=30)

        got = [line.split(": ", 1)[1] for line in out.splitlines()
               if line.startswith("event 'lifecycle' for domain '%s'" % NAME)]
        tap.ok(got == EXPECTED, "virsh event: the lifecycle of a save and a "
               "restore", "got %r\nstderr: %s" % (got, err))

        if py is None:
            tap.skip("python3-libvirt events", "python3-libvirt missing")
        else:
            mine = [(e[2], e[3]) for e in events
                    if e[0] == "all" and e[1] == NAME]
            tap.ok(mine == EXPECTED_CODES,
                   "python: events of all domains, in order", repr(mine))
            one = [(e[2], e[3]) for e in events if e[0] == "one"]
            tap.ok(one == [(2, 0), (5, 1)],
                   "python: events of one domain until deregistered",
                   repr(one))
            other = [e for e in events if e[0] == "all" and e[1] == OTHER]
            tap.ok(len(other) == 6,
                   "python: the all-domains registration saw the other "
                   "domain's events too", repr(other))
            py["stop"] = True
        for name in (NAME, OTHER):
            # the daemon leaves guests running when it stops
            d.virsh("destroy", name)
            d.virsh("undefine", name)
    tap.exit()


if __name__ == "__main__":
    main()
