#!/usr/bin/env python3
# virtsavetooltest.py: command line, exit codes and JSON of `virtsave image`
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs the built tool on the images of tests/qemu/data/saveimage and
# prints TAP. Environment: VS_BUILD_ROOT (build tree), VS_SOURCE_ROOT.

import json
import os
import re
import struct
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("VS_BUILD_ROOT", "build")
SOURCE = os.environ.get("VS_SOURCE_ROOT", ".")
TOOL = os.path.join(BUILD, "tools", "virtsave")
DATA = os.path.join(SOURCE, "tests", "qemu", "data", "saveimage")

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_IO = 0, 1, 2, 3

results = []


def run(*args):
    p = subprocess.run([TOOL] + list(args), capture_output=True, text=True,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def img(name):
    return os.path.join(DATA, name + ".img")


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def check_run(name, args, code, want_json=None):
    rc, out, err = run(*args)
    ok = rc == code
    detail = "exit %d, wanted %d; stderr: %s" % (rc, code, err.strip())
    if ok and want_json is not None:
        try:
            doc = json.loads(out)
        except ValueError as e:
            ok, detail = False, "bad JSON: %s" % e
        else:
            for key, val in want_json.items():
                got = doc
                for part in key.split("."):
                    got = got[int(part)] if isinstance(got, list) else got.get(part)
                if got != val:
                    ok, detail = False, "%s = %r, wanted %r" % (key, got, val)
                    break
    check(name, ok, detail)
    return out, err


def test_cli():
    out, _ = check_run("--version", ["--version"], EXIT_OK)
    check("--version prints the name", out.startswith("virtsave "), out)
    out, _ = check_run("--help", ["--help"], EXIT_OK)
    check("--help lists the commands",
          all(c in out for c in ("image info", "image dumpxml", "image verify")),
          out)
    check_run("no arguments", [], EXIT_USAGE)
    check_run("unknown command", ["image", "frobnicate", img("raw-valid")],
              EXIT_USAGE)
    check_run("missing file", ["image", "info"], EXIT_USAGE)
    check_run("two files", ["image", "info", img("raw-valid"), img("partial")],
              EXIT_USAGE)
    check_run("unknown option", ["image", "verify", "--nope", img("raw-valid")],
              EXIT_USAGE)
    check_run("missing image is an I/O error",
              ["image", "info", os.path.join(DATA, "does-not-exist.img")],
              EXIT_IO)
    check_run("a directory is an I/O error", ["image", "verify", DATA], EXIT_IO)


def test_info():
    check_run("info raw", ["image", "info", "--json", img("raw-valid")], EXIT_OK,
              {"format": "raw", "version": 2, "complete": True,
               "was_running": True, "byte_order": "native",
               "data_offset": 588, "data_offset_aligned": False,
               "xml_size": 203, "file_size": 708})
    check_run("info big-endian", ["image", "info", "--json",
                                  img("raw-paused-bigendian")], EXIT_OK,
              {"byte_order": "swapped", "was_running": False})
    check_run("info partial", ["image", "info", "--json", img("partial")],
              EXIT_OK, {"complete": False})
    check_run("info sparse", ["image", "info", "--json", img("sparse-valid")],
              EXIT_OK,
              {"format": "sparse", "data_offset": 4096,
               "data_offset_aligned": True,
               "mapped_ram.machine": "pc-i440fx-10.0",
               "mapped_ram.blocks.0.idstr": "pc.ram",
               "mapped_ram.blocks.0.pages_present": 2,
               "mapped_ram.blocks.1.idstr": "pc.bios"})
    check_run("info shows a damaged mapped-ram stream",
              ["image", "info", "--json", img("sparse-truncated-pages")],
              EXIT_OK, {"mapped_ram_error": "save image is truncated: pages of RAM "
                        "block 'pc.ram' end at offset 24576 but the file has "
                        "13096 bytes"})
    check_run("info bad magic", ["image", "info", "--json", img("bad-magic")],
              EXIT_INVALID, {"valid": False,
                             "error": "image magic is incorrect"})
    _, err = check_run("info bad magic, text", ["image", "info", img("bad-magic")],
                       EXIT_INVALID)
    check("text error names the file and the cause",
          "bad-magic.img" in err and "image magic is incorrect" in err, err)
    out, _ = check_run("info text", ["image", "info", img("sparse-valid")],
                       EXIT_OK)
    check("info text shows alignment and blocks",
          "4 KiB aligned" in out and "pc.bios" in out, out)


def test_dumpxml():
    out, _ = check_run("dumpxml", ["image", "dumpxml", img("raw-valid")], EXIT_OK)
    check("dumpxml prints the XML", out.startswith("<domain type='kvm'>"), out)
    check_run("dumpxml --json", ["image", "dumpxml", "--json", img("raw-valid")],
              EXIT_OK, {"cookie": "<cookie>\n  <slirpHelper/>\n</cookie>\n"})
    check_run("dumpxml unterminated", ["image", "dumpxml",
                                       img("xml-unterminated")], EXIT_INVALID)


VERIFY = {
    "raw-valid": EXIT_OK,
    "raw-no-cookie": EXIT_OK,
    "raw-paused-bigendian": EXIT_OK,
    "gzip-valid": EXIT_OK,
    "zstd-valid": EXIT_OK,
    "sparse-valid": EXIT_OK,
    "partial": EXIT_INVALID,
    "raw-bad-stream": EXIT_INVALID,
    "raw-stream-version": EXIT_INVALID,
    "raw-no-stream": EXIT_INVALID,
    "xz-not-compressed": EXIT_INVALID,
    "short-header": EXIT_INVALID,
    "empty-file": EXIT_INVALID,
    "version3-le": EXIT_INVALID,
    "format7": EXIT_INVALID,
    "datalen-0": EXIT_INVALID,
    "datalen-huge": EXIT_INVALID,
    "cookie-offset-beyond": EXIT_INVALID,
    "truncated-data": EXIT_INVALID,
    "cookie-unterminated": EXIT_INVALID,
    "sparse-truncated-pages": EXIT_INVALID,
    "sparse-no-vmdesc": EXIT_INVALID,
    "sparse-no-mapped-ram-cap": EXIT_INVALID,
    "sparse-raw-stream": EXIT_INVALID,
    "raw-mapped-ram-stream": EXIT_INVALID,
}


def test_verify():
    for name, code in sorted(VERIFY.items()):
        check_run("verify %s" % name, ["image", "verify", "--json", img(name)],
                  code, {"valid": code == EXIT_OK})
    check_run("verify names the failed check",
              ["image", "verify", "--json", img("sparse-truncated-pages")],
              EXIT_INVALID,
              {"checks.4.name": "mapped-ram", "checks.4.ok": False})
    out, _ = check_run("verify text", ["image", "verify", img("sparse-valid")],
                       EXIT_OK)
    check("verify text lists the checks",
          "mapped-ram" in out and "stream-end" in out, out)


def hostile_image(src, dst, prologue):
    """@src with @prologue put before its domain XML, same data area."""
    with open(src, "rb") as f:
        data = bytearray(f.read())
    end = data.index(b"\0", 92)
    xml = re.sub(rb">\s+<", b"><", bytes(data[92:end]))
    xml = re.sub(rb"<uuid>[^<]*</uuid>", b"", xml)
    new = prologue + xml
    assert len(new) <= end - 92
    data[92:end] = new + b" " * (end - 92 - len(new))
    with open(dst, "wb") as f:
        f.write(data)


def with_xml(src, dst, prologue, name_suffix):
    """@src with @prologue before its domain XML and @name_suffix after
    its name, in a data area grown to fit (a raw image)."""
    with open(src, "rb") as f:
        data = f.read()
    magic, version, data_len, running, fmt, cookie_at = struct.unpack_from(
        "<16s5I", data, 0)
    area = data[92:92 + data_len]
    xml = area[:area.index(b"\0")]
    cookie = area[cookie_at:area.index(b"\0", cookie_at)] if cookie_at else None
    xml = prologue + xml.replace(b"</name>", name_suffix + b"</name>", 1)
    new = xml + b"\0"
    if cookie is not None:
        new += cookie + b"\0"
    new_len = len(new) + 4096
    hdr = struct.pack("<16s5I", magic, version, new_len, running, fmt,
                      len(xml) + 1 if cookie is not None else 0)
    with open(dst, "wb") as f:
        f.write(hdr + data[len(hdr):92] + new.ljust(new_len, b"\0") +
                data[92 + data_len:])


def test_verify_xml():
    """verify parses the XML as restore does: an XInclude fails both."""
    tmp = tempfile.mkdtemp(prefix="vstool-%d-" % os.getpid())
    try:
        path = os.path.join(tmp, "inc.img")
        hostile_image(img("raw-valid"), path, b"")
        with open(path, "rb") as f:
            data = bytearray(f.read())
        end = data.index(b"\0", 92)
        xml = bytes(data[92:end]).rstrip()
        inc = xml.replace(b"<domain ", b'<domain xmlns:xi='
                          b'"http://www.w3.org/2001/XInclude" ', 1)
        inc = inc.replace(b"</domain>", b'<xi:include href="a"/></domain>', 1)
        assert len(inc) <= end - 92
        data[92:end] = inc + b" " * (end - 92 - len(inc))
        with open(path, "wb") as f:
            f.write(data)
        check_run("verify refuses XInclude",
                  ["image", "verify", "--json", path], EXIT_INVALID,
                  {"valid": False, "checks.2.name": "xml"})
        bomb = os.path.join(tmp, "bomb.img")
        entities = b"".join(b'<!ENTITY e%d "%s">' % (i, b"&e%d;" % (i - 1) * 10)
                            for i in range(1, 9))
        with_xml(img("raw-valid"), bomb,
                 b'<!DOCTYPE domain [<!ENTITY e0 "bomb">' + entities + b']>',
                 b"&e8;")
        out, _ = check_run("verify refuses an entity bomb",
                           ["image", "verify", "--json", bomb], EXIT_INVALID,
                           {"valid": False, "checks.2.name": "xml",
                            "checks.2.ok": False})
        check("verify: the entity bomb fails on its entities",
              "entit" in out.lower(), out)
        out, _ = check_run("verify text", ["image", "verify", img("raw-valid")],
                           EXIT_OK)
        check("verify says memory pages have no checksums",
              "no checksums" in out, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if not os.access(TOOL, os.X_OK):
        print("1..0 # SKIP %s not built" % TOOL)
        return 0
    test_cli()
    test_info()
    test_dumpxml()
    test_verify()
    test_verify_xml()
    print("1..%d" % len(results))
    failed = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            for line in detail.splitlines():
                print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
