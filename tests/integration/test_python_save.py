#!/usr/bin/env python3
"""python3-libvirt save and restore against virtsaved, end to end.

SPDX-License-Identifier: LGPL-2.1-or-later

Drives a virtsaved under a temporary root through the libvirt python
bindings, with the test guest (it fills its RAM with a seeded pattern
and prints "VSGUEST VERIFY OK pass=N" after every full check) booted in
real QEMU: saveParams and restoreParams with a sparse image, four
channels and bypassing the cache; jobStats and info from a second
connection while a save runs, the completed job's statistics after it;
a save that asks for a paused restore; the errors, each with its libvirt
error code and message, leaving the guest running and no file behind.

The 9.0 bindings lack the constants for some save parameters; the names
are the documented strings. Prints TAP.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vspysave"
MEMORY_MIB = 256
CMDLINE = "seed=0x77aa1234 fill=50"
MiB = 1024 * 1024
ATTEMPTS = 3

# virDomainSaveRestoreFlags and the parameter names, by value where the
# 9.0 bindings have no constant.
BYPASS_CACHE = 1
RUNNING = 2
PAUSED = 4
P_FILE = "file"
P_FORMAT = "image_format"
P_CHANNELS = "parallel.channels"

# libvirt's virErrorNumber
ERR_INVALID_ARG = 8
ERR_OPERATION_FAILED = 9
ERR_SYSTEM_ERROR = 38
ERR_NO_DOMAIN = 42
ERR_OPERATION_INVALID = 55

# virDomainState, virDomainRunningReason, virDomainShutoffReason
ST_RUNNING, ST_PAUSED, ST_SHUTOFF = 1, 3, 5
RUNNING_RESTORED = 3
SHUTOFF_SAVED = 5
JOB_UNBOUNDED, JOB_COMPLETED = 2, 3
OPERATION_SAVE = 2


def call(libvirt, fn, *args):
    """(result, None) or (None, libvirtError)."""
    try:
        return fn(*args), None
    except libvirt.libvirtError as e:
        return None, e


def err_text(e):
    if e is None:
        return "no error"
    return "code %d domain %d: %s" % (e.get_error_code(),
                                      e.get_error_domain(), e)


class Guest:
    def __init__(self, tap, libvirt, conn, d):
        self.tap = tap
        self.libvirt = libvirt
        self.conn = conn
        self.d = d
        self.serial = os.path.join(d.root, "serial.log")
        self.images = os.path.join(d.root, "images")
        os.makedirs(self.images)
        self.dom = None

    def ok(self, cond, desc, diag=None):
        return self.tap.ok(cond, desc, diag)

    def state(self):
        try:
            return tuple(self.dom.state())
        except self.libvirt.libvirtError as e:
            return ("error", str(e))

    def boot(self):
        xml = vstest.domain_xml(NAME, self.serial, memory_mib=MEMORY_MIB,
                                cmdline=CMDLINE, serial_append=True)
        self.dom, e = call(self.libvirt, self.conn.defineXML, xml)
        if not self.ok(e is None, "defineXML()", err_text(e)):
            return False
        _r, e = call(self.libvirt, self.dom.create)
        if not self.ok(e is None, "create()", err_text(e)):
            return False
        ok, diag = vstest.wait_guest_passes(self.serial, timeout=180)
        return self.ok(ok, "the guest verifies its memory after boot", diag)

    def restore(self, what, params, flags, state=ST_RUNNING, reason=None):
        before = vstest.serial_offset(self.serial)
        _r, e = call(self.libvirt, self.conn.restoreParams, params, flags)
        if not self.ok(e is None, "%s: restoreParams()" % what, err_text(e)):
            return False
        st = self.state()
        self.ok(st[0] == state and (reason is None or st[1] == reason),
                "%s: state() is (%d, %s) after the restore" %
                (what, state, reason if reason is not None else "any"),
                repr(st))
        if state != ST_RUNNING:
            return True
        ok, diag = vstest.wait_guest_passes(self.serial, before, 2)
        return self.ok(ok, "%s: the guest verifies its memory after the "
                       "restore" % what, diag)

    def test_fast(self):
        what = "sparse, 4 channels, bypass cache"
        path = os.path.join(self.images, "fast.save")
        params = {P_FILE: path, P_FORMAT: "sparse", P_CHANNELS: 4}
        t0 = time.monotonic()
        r, e = call(self.libvirt, self.dom.saveParams, params, BYPASS_CACHE)
        if not self.ok(e is None and r == 0, "%s: saveParams()" % what,
                       err_text(e)):
            return
        self.tap.diag("save took %.1f s" % (time.monotonic() - t0))
        st = self.state()
        self.ok(st == (ST_SHUTOFF, SHUTOFF_SAVED),
                "%s: state() is (shutoff, saved)" % what, repr(st))
        info = self.dom.info()
        # a handle keeps the id it was looked up with: look up again
        dom_id = self.conn.lookupByName(NAME).ID()
        self.ok(info[0] == ST_SHUTOFF and dom_id == -1,
                "%s: info() says shut off, no id" % what,
                "info %r, id %d" % (info, dom_id))
        r = vstest.run_virtsave("image", "verify", path)
        self.ok(r.returncode == 0, "%s: virtsave image verify" % what,
                r.stdout + r.stderr)
        info, r = vstest.image_info(path)
        self.ok(isinstance(info, dict) and info.get("format") == "sparse"
                and info.get("complete") is True,
                "%s: image info --json: sparse, complete" % what,
                r.stdout + r.stderr)
        if self.restore(what, {P_FILE: path, P_CHANNELS: 4}, BYPASS_CACHE,
                        reason=RUNNING_RESTORED):
            info = self.dom.info()
            self.ok(info[0] == ST_RUNNING and
                    info[1] == MEMORY_MIB * 1024 and self.dom.ID() > 0,
                    "%s: info() after the restore" % what, repr(info))
        vstest.remove_file(path)

    def save_in_thread(self, params, flags):
        result = {}

        def run():
            # a connection of its own: the main thread polls on another
            conn = self.libvirt.open(self.d.uri)
            try:
                dom = conn.lookupByName(NAME)
                result["ret"] = dom.saveParams(params, flags)
            except self.libvirt.libvirtError as e:
                result["error"] = e
            finally:
                conn.close()

        t = threading.Thread(target=run)
        t.start()
        return t, result

    def test_job_stats(self):
        what = "save in progress"
        path = os.path.join(self.images, "slow.save")
        params = {P_FILE: path, P_FORMAT: "sparse"}
        good = None
        for attempt in range(1, ATTEMPTS + 1):
            samples = []
            info_during = None
            t, result = self.save_in_thread(params, 0)
            while t.is_alive():
                stats, e = call(self.libvirt, self.dom.jobStats, 0)
                samples.append(stats if e is None else e)
                # before QEMU starts writing, the job has no sizes yet
                if good is None and e is None and \
                        stats.get("type") == JOB_UNBOUNDED and \
                        stats.get("data_total", 0) > 0:
                    good = stats
                    info_during = call(self.libvirt, self.dom.info)
                time.sleep(0.01)
            t.join()
            self.tap.diag("attempt %d: %d jobStats samples" %
                          (attempt, len(samples)))
            if "error" in result or good is not None or attempt == ATTEMPTS:
                break
            before = vstest.serial_offset(self.serial)
            _r, e = call(self.libvirt, self.conn.restoreParams,
                         {P_FILE: path}, 0)
            if e is not None or \
                    not vstest.wait_guest_passes(self.serial, before)[0]:
                break
            vstest.remove_file(path)

        self.ok("error" not in result and result.get("ret") == 0,
                "%s: saveParams() in a second thread" % what,
                err_text(result.get("error")))
        errors = [s for s in samples if not isinstance(s, dict)]
        self.ok(not errors, "%s: every jobStats() answered" % what,
                "\n".join(err_text(e) for e in errors[:3]))
        unbounded = [s for s in samples if isinstance(s, dict) and
                     s.get("type") == JOB_UNBOUNDED]
        self.ok(unbounded and all(s.get("operation") == OPERATION_SAVE
                                  for s in unbounded),
                "%s: jobStats() reports an unbounded save job" % what,
                repr(samples[-3:]))
        self.ok(good is not None,
                "%s: jobStats() reports the data of the save" % what,
                repr(samples[-3:]))
        if good is not None:
            total = good.get("data_total", 0)
            processed = good.get("data_processed", -1)
            remaining = good.get("data_remaining", -1)
            self.tap.diag("during the save: %r" % good)
            self.ok(good.get("operation") == OPERATION_SAVE and
                    MEMORY_MIB * MiB // 2 <= total <= 2 * MEMORY_MIB * MiB
                    and 0 <= processed <= total and
                    0 <= remaining <= total and "time_elapsed" in good,
                    "%s: jobStats() says operation save, sensible sizes" %
                    what, repr(good))
            info, e = info_during
            self.ok(e is None and info[0] in (ST_RUNNING, ST_PAUSED),
                    "%s: info() on the second connection answers" % what,
                    err_text(e) if e else repr(info))

        stats, e = call(self.libvirt, self.dom.jobStats,
                        self.libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.ok(e is None and stats.get("type") == JOB_COMPLETED and
                stats.get("operation") == OPERATION_SAVE and
                stats.get("data_processed", 0) > 0,
                "%s: jobStats(COMPLETED) describes the save" % what,
                err_text(e) if e else repr(stats))
        self.restore(what, {P_FILE: path}, 0, reason=RUNNING_RESTORED)
        vstest.remove_file(path)

    def test_paused(self):
        what = "saved with the PAUSED flag"
        path = os.path.join(self.images, "paused.save")
        params = {P_FILE: path, P_FORMAT: "sparse", P_CHANNELS: 2}
        r, e = call(self.libvirt, self.dom.saveParams, params, PAUSED)
        if not self.ok(e is None and r == 0, "%s: saveParams()" % what,
                       err_text(e)):
            return
        if not self.restore(what, {P_FILE: path, P_CHANNELS: 2}, 0,
                            state=ST_PAUSED):
            return
        before = vstest.serial_offset(self.serial)
        _r, e = call(self.libvirt, self.dom.resume)
        self.ok(e is None and self.state()[0] == ST_RUNNING,
                "%s: resume()" % what, err_text(e))
        ok, diag = vstest.wait_guest_passes(self.serial, before, 2)
        self.ok(ok, "%s: the guest verifies its memory after resume()" %
                what, diag)
        vstest.remove_file(path)

    def expect_error(self, what, fn, args, code, words, running=True):
        _r, e = call(self.libvirt, fn, *args)
        self.ok(e is not None and e.get_error_code() == code and
                all(w in str(e) for w in words),
                "%s: libvirtError %d '%s'" % (what, code, words[-1]),
                err_text(e))
        if running:
            st = self.state()
            left = os.listdir(self.images)
            self.ok(st[0] == ST_RUNNING and not left,
                    "%s: the guest still runs, no file left" % what,
                    "state %r, files %r" % (st, left))

    def test_errors(self):
        path = os.path.join(self.images, "err.save")
        save = self.dom.saveParams
        self.expect_error(
            "parallel raw save", save,
            ({P_FILE: path, P_FORMAT: "raw", P_CHANNELS: 2}, 0),
            ERR_INVALID_ARG,
            ["Parallel save is only supported with the 'sparse' save "
             "image format"])
        self.expect_error(
            "zero channels", save,
            ({P_FILE: path, P_FORMAT: "sparse", P_CHANNELS: 0}, 0),
            ERR_INVALID_ARG,
            ["number of parallel save channels cannot be less than 1"])
        self.expect_error(
            "unknown format", save, ({P_FILE: path, P_FORMAT: "foo"}, 0),
            ERR_OPERATION_FAILED, ["Invalid image_format 'foo'"])
        self.expect_error(
            "RUNNING and PAUSED", save, ({P_FILE: path}, RUNNING | PAUSED),
            ERR_INVALID_ARG, ["VIR_DOMAIN_SAVE_RUNNING",
                              "VIR_DOMAIN_SAVE_PAUSED",
                              "mutually exclusive"])
        missing = os.path.join(self.images, "missing.save")
        self.expect_error(
            "restore of a missing file", self.conn.restoreParams,
            ({P_FILE: missing}, 0), ERR_SYSTEM_ERROR,
            ["Failed to open file '%s'" % missing,
             "No such file or directory"])
        corrupt = os.path.join(self.d.root, "corrupt.save")
        with open(corrupt, "wb") as f:
            f.write(b"NotAVirtSaveImg!" + bytes(range(76)) + b"\0" * 4004)
        self.expect_error(
            "restore of a corrupt header", self.conn.restoreParams,
            ({P_FILE: corrupt, P_CHANNELS: 4}, BYPASS_CACHE),
            ERR_OPERATION_FAILED, ["image magic is incorrect"])
        self.expect_error(
            "restore without a file", self.conn.restoreParams,
            ({P_CHANNELS: 4}, 0), ERR_INVALID_ARG, ["missing"])
        self.expect_error(
            "lookup of an unknown name", self.conn.lookupByName,
            ("nosuch",), ERR_NO_DOMAIN,
            ["Domain not found: no domain with matching name 'nosuch'"])
        ok, diag = vstest.wait_guest_passes(
            self.serial, vstest.serial_offset(self.serial))
        self.ok(ok, "after the errors the guest keeps verifying its memory",
                diag)

    def finish(self):
        _r, e = call(self.libvirt, self.dom.destroy)
        self.ok(e is None and self.state()[0] == ST_SHUTOFF, "destroy()",
                err_text(e))
        path = os.path.join(self.images, "inactive.save")
        self.expect_error(
            "save of an inactive domain", self.dom.saveParams,
            ({P_FILE: path, P_FORMAT: "sparse"}, 0),
            ERR_OPERATION_INVALID, ["domain is not running"], running=False)
        self.ok(not os.listdir(self.images),
                "save of an inactive domain: no file left",
                os.listdir(self.images))
        _r, e = call(self.libvirt, self.dom.undefine)
        self.ok(e is None, "undefine()", err_text(e))
        self.expect_error(
            "save of an undefined domain", self.dom.saveParams,
            ({P_FILE: path, P_FORMAT: "sparse"}, 0), ERR_NO_DOMAIN,
            ["Domain not found"], running=False)


def main():
    tap = vstest.TAP()
    libvirt = vstest.import_libvirt()
    if libvirt is None:
        tap.skip_all("python3-libvirt is not installed")
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("the test guest is not built")
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    t0 = time.monotonic()
    d = vstest.Daemon().start()
    conn = None
    try:
        conn = libvirt.open(d.uri)
        tap.ok(conn is not None, "libvirt.open()")
        g = Guest(tap, libvirt, conn, d)
        if g.boot():
            for step in (g.test_fast, g.test_job_stats, g.test_paused,
                         g.test_errors):
                t1 = time.monotonic()
                step()
                tap.diag("%s: %.1f s" % (step.__name__,
                                         time.monotonic() - t1))
                if g.state()[0] != ST_RUNNING:
                    tap.diag("the domain is %r; stopping here" % (g.state(),))
                    break
            g.finish()
    finally:
        if conn is not None:
            try:
                dom = conn.lookupByName(NAME)
                if dom.isActive():
                    dom.destroy()
                dom.undefine()
            except libvirt.libvirtError:
                pass
            conn.close()
        status = d.stop()
        tap.ok(status == 0, "daemon exits 0 on SIGTERM", d.output())
        d.cleanup()
    tap.diag("total %.1f s" % (time.monotonic() - t0))
    tap.exit()


if __name__ == "__main__":
    main()
