#!/usr/bin/env python3
"""virsh console over libvirt's stream protocol.

SPDX-License-Identifier: LGPL-2.1-or-later

The test guest's serial port is a pty; `virsh console` runs on a pty of
its own, as a user's terminal. The guest is started paused so that its
first output can only come through the console once resumed; then a
second console is refused, --force takes the console over, the escape
character ends virsh, and the domain's end ends the stream.
"""

import os
import pty
import select
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vsconsole"


class Console:
    """virsh console NAME on a pty, with its output collected."""

    def __init__(self, d, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["LC_ALL"] = "C"
            os.execvp("virsh", ["virsh", "-c", d.uri, "console", NAME] +
                      list(args))
        self.out = b""
        self.status = None

    def read_until(self, text, timeout=30):
        deadline = time.monotonic() + timeout
        while text.encode() not in self.out and time.monotonic() < deadline:
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                self.out += data
        return text.encode() in self.out

    def send(self, data):
        os.write(self.fd, data)

    def wait(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            try:
                r, _, _ = select.select([self.fd], [], [], 0.1)
                if r:
                    self.out += os.read(self.fd, 4096)
            except OSError:
                pass
        return None

    def kill(self):
        if self.status is None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
        os.close(self.fd)

    def text(self):
        return self.out.decode("utf-8", "replace")


def main():
    tap = vstest.TAP()
    tmp = tempfile.mkdtemp(prefix="vsconsole-")
    xml = vstest.domain_xml(NAME, os.path.join(tmp, "unused.log"))
    start = xml.index("    <serial type='file'>")
    end = xml.index("</serial>") + len("</serial>")
    xml = (xml[:start] + "    <serial type='pty'>\n      <target port='0'/>\n"
           "    </serial>\n    <console type='pty'>\n"
           "      <target type='serial' port='0'/>\n    </console>" +
           xml[end:])
    path = os.path.join(tmp, "dom.xml")
    with open(path, "w") as f:
        f.write(xml)
    consoles = []
    with vstest.Daemon() as d:
        try:
            r = d.virsh("define", path)
            tap.ok(r.returncode == 0, "define a guest with a pty console",
                   r.stderr)
            r = d.virsh("start", "--paused", NAME)
            tap.ok(r.returncode == 0, "start it paused", r.stderr)

            c1 = Console(d)
            consoles.append(c1)
            tap.ok(c1.read_until("Escape character"),
                   "virsh console connects", c1.text())
            d.virsh("resume", NAME)
            tap.ok(c1.read_until("VSGUEST BOOT"),
                   "the guest's boot message arrives through the console",
                   c1.text())

            c2 = Console(d)
            consoles.append(c2)
            st = c2.wait()
            tap.ok(st not in (None, 0) and
                   "Active console session exists" in c2.text(),
                   "a second console is refused while one is open",
                   "status %r: %s" % (st, c2.text()))

            c3 = Console(d, "--force")
            consoles.append(c3)
            tap.ok(c3.read_until("Escape character"),
                   "virsh console --force takes it over", c3.text())
            tap.ok(c1.wait() is not None,
                   "the console taken over ends", c1.text())

            c3.send(b"\x1d")
            tap.ok(c3.wait() == 0, "the escape character ends virsh console",
                   c3.text())

            c4 = Console(d)
            consoles.append(c4)
            tap.ok(c4.read_until("Escape character"),
                   "a console opens again after the escape", c4.text())
            d.virsh("destroy", NAME)
            tap.ok(c4.wait() is not None,
                   "the console ends when the domain stops", c4.text())

            r = d.virsh("console", NAME)
            tap.ok(r.returncode != 0, "no console for a shut-off domain",
                   r.stderr)
        finally:
            for c in consoles:
                c.kill()
            # the daemon leaves guests running when it stops
            d.virsh("destroy", NAME)
            d.virsh("undefine", NAME)
    tap.exit()


if __name__ == "__main__":
    main()
