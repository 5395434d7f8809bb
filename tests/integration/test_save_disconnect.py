#!/usr/bin/env python3
"""A client that disappears in the middle of a save.

SPDX-License-Identifier: LGPL-2.1-or-later

virsh starts a save and is killed (SIGKILL, so it says goodbye to
nobody) while the save runs. The daemon does not cancel the job: the save
must end in one of the two clean states, and nothing in between:

  * complete: the domain is shut off (saved), the image is complete and
    verifies, no temporary file is left, and a restore brings the guest
    back with its memory intact;
  * rolled back: the domain runs again, and neither the image nor a
    temporary file is left.

Either way the daemon keeps serving other clients. The client is killed
at two moments: as soon as the image's temporary file appears, and a
little later, while QEMU writes guest memory.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

MEMORY_MIB = 1024
KILL_DELAYS = (0.0, 0.3)


def guest_xml(name, serial):
    """The test guest with its serial output appended across restarts."""
    xml = vstest.domain_xml(name, serial, memory_mib=MEMORY_MIB,
                            cmdline="seed=0x7e57 fill=100")
    return xml.replace("<source path='%s'/>" % serial,
                       "<source path='%s' append='on'/>" % serial)


def wait_for(pred, timeout):
    """Poll @pred until it returns something true, or None at @timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    return None


def settled_state(d, name):
    """The domain's state once no job runs on it any more."""
    info = d.virsh("domjobinfo", name)
    if info.returncode == 0 and \
            "Job type: None" not in " ".join(info.stdout.split()):
        return None
    r = d.virsh("domstate", name, "--reason")
    if r.returncode != 0:
        return None
    state = r.stdout.strip()
    if state.startswith("running") or state.startswith("shut off"):
        return state
    return None


def run_case(tap, d, name, delay):
    imgdir = os.path.join(d.root, "images-%s" % name)
    os.makedirs(imgdir)
    image = os.path.join(imgdir, "guest.save")
    serial = os.path.join(d.root, "%s-serial.log" % name)
    xml = os.path.join(d.root, "%s.xml" % name)
    with open(xml, "w") as f:
        f.write(guest_xml(name, serial))

    r = d.virsh("define", xml)
    tap.ok(r.returncode == 0, "%s: define" % name, r.stderr)
    r = d.virsh("start", name)
    tap.ok(r.returncode == 0, "%s: start" % name, r.stderr)
    m = vstest.wait_for_serial(serial, r"VSGUEST VERIFY OK pass=1",
                               timeout=300)
    tap.ok(m is not None, "%s: the guest filled and checked its RAM" % name)

    # A buffered sparse save of 1 GiB takes long enough to be cut short.
    client = subprocess.Popen(
        ["virsh", "-q", "-c", d.uri, "save", name, image],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    part = wait_for(lambda: [f for f in os.listdir(imgdir)
                             if f != "guest.save"], 60)
    if delay:
        time.sleep(delay)
    still_running = client.poll() is None
    client.kill()
    client.wait()
    tap.ok(part is not None, "%s: the save started (temporary file %s)"
           % (name, part))
    tap.diag("%s: virsh killed %.1f s after the save began%s"
             % (name, delay, "" if still_running else
                " (it had already finished)"))

    r = d.virsh("list", "--all")
    tap.ok(r.returncode == 0 and name in r.stdout,
           "%s: the daemon serves another client during the job" % name,
           r.stderr)

    state = wait_for(lambda: settled_state(d, name), 120)
    tap.ok(state is not None, "%s: the job ended (state: %s)" % (name, state))
    left = sorted(os.listdir(imgdir))
    if state and state.startswith("shut off"):
        tap.ok("saved" in state, "%s: completed save: shut off (saved)"
               % name, state)
        tap.ok(left == ["guest.save"],
               "%s: the image and nothing else is left" % name, left)
        v = subprocess.run([os.path.join(vstest.build_root(), "tools",
                                         "virtsave"), "image", "verify",
                            image], capture_output=True, text=True)
        tap.ok(v.returncode == 0, "%s: the image verifies" % name,
               v.stdout + v.stderr)
        offset = os.path.getsize(serial)
        r = d.virsh("restore", image)
        tap.ok(r.returncode == 0, "%s: restore" % name, r.stderr)
    else:
        tap.ok(state is not None and state.startswith("running"),
               "%s: rolled back: the domain runs again" % name, state)
        tap.ok(left == [], "%s: no image and no temporary file left" % name,
               left)
        offset = os.path.getsize(serial)
    m = vstest.wait_for_serial(serial, r"VSGUEST VERIFY (OK|BAD)",
                               timeout=120, offset=offset)
    tap.ok(m is not None and "OK" in m.group(0),
           "%s: the guest checks its memory afterwards" % name,
           m.group(0) if m else "no VERIFY line")
    d.virsh("destroy", name)
    d.virsh("undefine", name)


def main():
    tap = vstest.TAP()
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("the test guest is not built")
    with vstest.Daemon() as d:
        for i, delay in enumerate(KILL_DELAYS):
            run_case(tap, d, "gone%d" % i, delay)
        tap.ok(d.alive(), "the daemon is still running")
    tap.exit()


if __name__ == "__main__":
    main()
