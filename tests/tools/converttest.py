#!/usr/bin/env python3
# converttest.py: `virtsave image convert` between raw and the compressed
# stream formats
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds a raw image with a few MiB of stream from a test image, converts
# it to every format and back, checks that the stream survives byte for
# byte, that the standard programs decode the compressed payloads, and
# that bad input or a bad target fails with the right exit code and
# leaves no target behind. Prints TAP. Environment: VS_BUILD_ROOT,
# VS_SOURCE_ROOT.

import os
import shutil
import struct
import subprocess
import sys
import tempfile

BUILD = os.environ.get("VS_BUILD_ROOT", "build")
SOURCE = os.environ.get("VS_SOURCE_ROOT", ".")
TOOL = os.path.join(BUILD, "tools", "virtsave")
DATA = os.path.join(SOURCE, "tests", "qemu", "data", "saveimage")

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_IO = 0, 1, 2, 3
FORMATS = ["raw", "gzip", "bzip2", "xz", "lzop", "zstd"]
DECODE = {
    "gzip": ["gzip", "-dc"],
    "bzip2": ["bzip2", "-dc"],
    "xz": ["xz", "-dc"],
    "lzop": ["lzop", "-dc"],
    "zstd": ["zstd", "-dcq"],
}
HEADER = struct.Struct("<16s5I")

results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def run(*args):
    p = subprocess.run([TOOL] + list(args), capture_output=True, text=True,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def header(path):
    with open(path, "rb") as f:
        magic, version, data_len, running, fmt, cookie = \
            HEADER.unpack(f.read(HEADER.size))
    return {"magic": magic, "data_len": data_len, "running": running,
            "format": fmt, "cookie": cookie}


def payload(path):
    with open(path, "rb") as f:
        data = f.read()
    return data[92 + header(path)["data_len"]:]


def xml_of(path):
    rc, out, err = run("image", "dumpxml", path)
    return out if rc == 0 else "exit %d: %s" % (rc, err)


def make_source(tmp):
    """raw-valid.img with 4 MiB more stream: half noise, half pattern."""
    src = os.path.join(tmp, "source.img")
    shutil.copyfile(os.path.join(DATA, "raw-valid.img"), src)
    with open(src, "ab") as f:
        f.write(os.urandom(2 * 1024 * 1024))
        f.write(bytes(range(256)) * (8 * 1024))
        f.write(b"tail" * 1000 + b"x")
    return src


def leftovers(tmp, name):
    return [f for f in os.listdir(tmp) if f.startswith(name)]


def test_round_trips(tmp, src):
    want = payload(src)
    want_xml = xml_of(src)
    want_verify = run("image", "verify", src)[0]
    for fmt in FORMATS:
        mid = os.path.join(tmp, "mid." + fmt)
        back = os.path.join(tmp, "back-%s.img" % fmt)
        rc, out, err = run("image", "convert", src, mid, "--format", fmt)
        check("raw -> %s" % fmt, rc == EXIT_OK, err)
        if rc != EXIT_OK:
            continue
        hdr = header(mid)
        check("%s: header" % fmt,
              hdr["magic"] == b"LibvirtQemudSave" and
              hdr["format"] == FORMATS.index(fmt) and hdr["running"] == 1,
              repr(hdr))
        check("%s: XML carried over" % fmt, xml_of(mid) == want_xml)
        check("%s: stream offset aligned" % fmt,
              (92 + hdr["data_len"]) % 4096 == 0, repr(hdr))
        # The synthetic stream has no QEMU end marker: verify judges a raw
        # copy as it judges the source; it cannot look inside the others.
        rc, out, err = run("image", "verify", mid)
        check("%s: verify" % fmt,
              rc == (want_verify if fmt == "raw" else EXIT_OK), out + err)
        if fmt in DECODE:
            p = subprocess.run(DECODE[fmt], input=payload(mid),
                               capture_output=True)
            check("%s: '%s' decodes the payload" % (fmt, DECODE[fmt][0]),
                  p.returncode == 0 and p.stdout == want,
                  "exit %d, %d bytes" % (p.returncode, len(p.stdout)))
        rc, out, err = run("image", "convert", mid, back, "--format", "raw")
        check("%s -> raw" % fmt, rc == EXIT_OK, err)
        check("%s -> raw: same stream" % fmt,
              rc == EXIT_OK and payload(back) == want)
        check("%s: no temporary files" % fmt,
              not leftovers(tmp, "mid.%s." % fmt) and
              not leftovers(tmp, "back-%s.img." % fmt))


def test_direct(tmp, src):
    # O_DIRECT needs a file system that has it; the build tree usually does.
    mid = os.path.join(tmp, "direct.zstd")
    back = os.path.join(tmp, "direct-back.img")
    rc, out, err = run("image", "convert", "--direct", src, mid,
                       "--format", "zstd")
    if rc != EXIT_OK and "O_DIRECT" in err:
        check("--direct # SKIP no O_DIRECT here", True)
        return
    check("--direct raw -> zstd", rc == EXIT_OK, err)
    rc, out, err = run("image", "convert", "--direct", mid, back,
                       "--format", "raw")
    check("--direct zstd -> raw", rc == EXIT_OK, err)
    check("--direct: same stream", rc == EXIT_OK and
          payload(back) == payload(src))


def test_failures(tmp, src):
    dst = os.path.join(tmp, "fail.img")

    # A compressed image cut in the middle of its payload.
    cut = os.path.join(tmp, "cut.gzip")
    rc, _, err = run("image", "convert", src, cut, "--format", "gzip")
    size = os.path.getsize(cut)
    with open(cut, "r+b") as f:
        f.truncate(size - size // 3)
    rc, _, err = run("image", "convert", cut, dst, "--format", "raw")
    check("cut gzip stream fails", rc == EXIT_INVALID,
          "exit %d: %s" % (rc, err))
    check("cut gzip stream: the error names the source and gzip",
          cut in err and "gzip" in err, err)
    check("cut gzip stream: no target", not leftovers(tmp, "fail.img"),
          repr(leftovers(tmp, "fail.img")))

    # A gzip image whose payload is not gzip at all.
    bogus = os.path.join(tmp, "bogus.gzip")
    with open(cut, "rb") as f:
        data = bytearray(f.read())
    start = 92 + header(cut)["data_len"]
    data[start:] = b"\x1f\x8bthis is not a deflate stream" * 100
    with open(bogus, "wb") as f:
        f.write(data)
    rc, _, err = run("image", "convert", bogus, dst, "--format", "zstd")
    check("corrupt gzip payload fails", rc == EXIT_INVALID,
          "exit %d: %s" % (rc, err))
    check("corrupt gzip payload: no target", not leftovers(tmp, "fail.img"))

    # A sparse image needs QEMU.
    sparse = os.path.join(tmp, "sparse.img")
    with open(src, "rb") as f:
        data = bytearray(f.read())
    data[28:32] = struct.pack("<I", 6)
    with open(sparse, "wb") as f:
        f.write(data)
    rc, _, err = run("image", "convert", sparse, dst, "--format", "raw")
    check("sparse source refused", rc == EXIT_INVALID and "sparse" in err,
          "exit %d: %s" % (rc, err))

    for name in ("bad-magic", "partial", "short-header", "datalen-huge"):
        rc, _, err = run("image", "convert", os.path.join(DATA, name + ".img"),
                         dst, "--format", "zstd")
        check("%s source refused" % name, rc == EXIT_INVALID,
              "exit %d: %s" % (rc, err))
    check("invalid sources: no target", not leftovers(tmp, "fail.img"))

    rc, _, err = run("image", "convert", os.path.join(tmp, "missing.img"),
                     dst, "--format", "raw")
    check("missing source is an I/O error", rc == EXIT_IO, err)
    rc, _, err = run("image", "convert", src,
                     os.path.join(tmp, "no-such-dir", "x.img"),
                     "--format", "raw")
    check("target in a missing directory is an I/O error", rc == EXIT_IO, err)

    for args, name in ((["--format", "sparse"], "to sparse"),
                       (["--format", "lz4"], "unknown format"),
                       ([], "no --format")):
        rc, _, err = run("image", "convert", src, dst, *args)
        check("%s is a usage error" % name, rc == EXIT_USAGE, err)
    rc, _, err = run("image", "convert", src, "--format", "raw")
    check("one file is a usage error", rc == EXIT_USAGE, err)
    check("usage errors: no target", not leftovers(tmp, "fail.img"))


def test_help():
    rc, out, _ = run("--help")
    check("--help lists image convert", "image convert" in out, out)


def main():
    if not os.access(TOOL, os.X_OK):
        print("1..0 # SKIP %s not built" % TOOL)
        return 0
    base = os.path.join(BUILD, "tests", "tools")
    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="converttest-", dir=base)
    try:
        src = make_source(tmp)
        test_help()
        test_round_trips(tmp, src)
        test_direct(tmp, src)
        test_failures(tmp, src)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
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
