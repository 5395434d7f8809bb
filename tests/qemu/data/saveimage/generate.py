#!/usr/bin/env python3
# generate.py: write the save image test cases (<case>.img) of this directory
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run it from anywhere; it writes next to itself. The images are small:
# header, XML, cookie and a few bytes of QEMU stream, or for the sparse
# cases a miniature mapped-ram stream with 4 KiB pages. The expected
# results are produced by the test itself (VS_TEST_REGENERATE=1).

import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

MAGIC = b"LibvirtQemudSave"
PARTIAL = b"LibvirtQemudPart"
XML = (b"<domain type='kvm'>\n  <name>test</name>\n"
       b"  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\n"
       b"  <memory unit='KiB'>262144</memory>\n"
       b"  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n  </os>\n"
       b"</domain>\n")
COOKIE = b"<cookie>\n  <slirpHelper/>\n</cookie>\n"


def be32(v):
    return struct.pack(">I", v)


def be64(v):
    return struct.pack(">Q", v)


def vmdesc():
    desc = json.dumps({"page_size": 4096, "devices": []}).encode()
    return b"\x00\x06" + be32(len(desc)) + desc


# The start of a plain (not mapped-ram) stream, a little RAM and its end.
RAW_STREAM = (b"QEVM" + be32(3) + b"\x07" + be32(14) + b"pc-i440fx-10.0" +
              b"\x01" + be32(1) + b"\x03ram" + be32(0) + be32(4) +
              be64(0x10000000 | 0x04) + b"\x06pc.ram" + be64(0x10000000) +
              be64(0x10) + b"\x7e" + be32(1) + vmdesc())


def header(magic=MAGIC, version=2, data_len=0, running=1, fmt=0,
           cookie_offset=0, order="<"):
    return (magic + struct.pack(order + "5I", version, data_len, running, fmt,
                                cookie_offset) + b"\0" * 56)


def image(magic=MAGIC, fmt=0, xml=XML, cookie=COOKIE, slack=256,
          stream=RAW_STREAM, order="<", running=1, **over):
    area = xml + b"\0"
    cookie_offset = 0
    if cookie is not None:
        cookie_offset = len(area)
        area += cookie + b"\0"
    area += b"\0" * slack
    fields = dict(magic=magic, data_len=len(area), running=running, fmt=fmt,
                  cookie_offset=cookie_offset, order=order)
    fields.update(over)
    return header(**fields) + area + stream


def mapped_ram_stream(start, blocks, caps=(b"mapped-ram",), cut=None,
                      tweak=None):
    """A QEMU stream with mapped-ram RAM blocks, placed at file offset
    @start. @blocks lists (idstr, pages, bitmap bytes)."""
    s = bytearray(b"QEVM" + be32(3))
    s += b"\x07" + be32(14) + b"pc-i440fx-10.0"
    s += b"\x05" + bytes([26]) + b"configuration/capabilities" + be32(1)
    s += be32(len(caps))
    for c in caps:
        s += bytes([len(c)]) + c
    s += b"\x01" + be32(1) + b"\x03ram" + be32(0) + be32(4)
    total = sum(pages * 4096 for _, pages, _ in blocks)
    s += be64(total | 0x04)
    for idstr, pages, bitmap in blocks:
        s += bytes([len(idstr)]) + idstr + be64(pages * 4096)
        hdr_pos = start + len(s)
        bitmap_off = hdr_pos + 28
        pages_off = (bitmap_off + (pages + 63) // 64 * 8 + 4095) // 4096 * 4096
        fields = dict(version=1, page_size=4096, bitmap=bitmap_off,
                      pages=pages_off)
        if tweak and idstr in tweak:
            fields.update(tweak[idstr])
        s += (be32(fields["version"]) + be64(fields["page_size"]) +
              be64(fields["bitmap"]) + be64(fields["pages"]))
        s += bitmap.ljust((pages + 63) // 64 * 8, b"\0")
        s += b"\0" * (pages_off - start - len(s))
        for i in range(pages):
            present = bitmap[i // 8] >> (i % 8) & 1 if i // 8 < len(bitmap) else 0
            s += (bytes([0x40 + i]) * 4096) if present else b"\0" * 4096
    s += be64(0x10) + b"\x7e" + be32(1)
    s += b"\x04" + be32(2) + b"\x05timer" + be32(0) + be32(2) + b"\0" * 20
    s += vmdesc()
    if cut is not None:
        s = s[:cut]
    return bytes(s)


def sparse_image(blocks=((b"pc.ram", 4, b"\x05"), (b"pc.bios", 1, b"\x01")),
                 fmt=6, **kw):
    data_len = 4096 - 92
    area = XML + b"\0" + COOKIE + b"\0"
    area = area.ljust(data_len, b"\0")
    hdr = header(data_len=data_len, fmt=fmt, cookie_offset=len(XML) + 1)
    return hdr + area + mapped_ram_stream(4096, blocks, **kw)


CASES = {
    "raw-valid": image(),
    "raw-no-cookie": image(cookie=None),
    "raw-paused-bigendian": image(order=">", running=0),
    "raw-bad-stream": image(stream=b"XXXX\0\0\0\3"),
    "raw-stream-version": image(stream=b"QEVM\0\0\0\2"),
    "raw-no-stream": image(stream=b""),
    "gzip-valid": image(fmt=1, stream=b"\x1f\x8b\x08\x00" + b"\0" * 8),
    "xz-not-compressed": image(fmt=3),
    "zstd-valid": image(fmt=5, stream=b"\x28\xb5\x2f\xfd" + b"\0" * 8),
    "partial": image(magic=PARTIAL),
    "bad-magic": image(magic=b"LibvirtQemudSafe"),
    "short-header": image()[:50],
    "empty-file": b"",
    "version3-le": image(version=3),
    "version3-le-swapped": image(version=0x03000000),
    "format7": image(fmt=7),
    "datalen-0": image(data_len=0),
    "datalen-huge": image(data_len=0x7FFFFFFF),
    "cookie-offset-beyond": image(cookie_offset=0x10000),
    "cookie-offset-at-end": image(slack=0, cookie=None, cookie_offset=len(XML) + 1),
    "truncated-data": image()[:300],
    "xml-unterminated": header(data_len=len(XML)) + XML + RAW_STREAM,
    "cookie-unterminated": (header(data_len=len(XML) + 1 + len(COOKIE),
                                   cookie_offset=len(XML) + 1) +
                            XML + b"\0" + COOKIE + RAW_STREAM),
    "xml-empty": image(xml=b""),
    "sparse-valid": sparse_image(),
    "sparse-truncated-pages": sparse_image()[:4096 + 9000],
    "sparse-no-vmdesc": sparse_image()[:-10],
    "sparse-no-mapped-ram-cap": sparse_image(caps=()),
    "sparse-bad-page-size": sparse_image(tweak={b"pc.bios": {"page_size": 4095}}),
    "sparse-pages-beyond-eof": sparse_image(tweak={b"pc.bios": {"pages": 1 << 40}}),
    "sparse-bitmap-overlap": sparse_image(tweak={b"pc.ram": {"bitmap": 0}}),
    "sparse-bitmap-extra-bits": sparse_image(
        blocks=((b"pc.ram", 4, b"\x35"), (b"pc.bios", 1, b"\x01"))),
    "sparse-raw-stream": image(fmt=6),
    "raw-mapped-ram-stream": sparse_image(fmt=0),
}


def main():
    for name, data in sorted(CASES.items()):
        with open(os.path.join(HERE, name + ".img"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
