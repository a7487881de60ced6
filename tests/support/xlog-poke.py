#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test support: damage a record of an XFS image's internal log, from the
format (spec xfs-log-recovery.md §1-§2), independently of pmemscan's reader.
  xlog-poke.py IMG poke LOGBLK OFF BYTE   set byte OFF of the data of the
                                          record at log block LOGBLK to
                                          BYTE, and reseal the record's CRC
  xlog-poke.py IMG patches                the same for each "LOGBLK OFF BYTE"
                                          line on stdin, without writing:
                                          one line out per line in, the
                                          damage and its undo as printf(1)
                                          octal strings with their offsets,
                                          "CRCOFF NEWCRC DATAOFF NEWBYTE
                                          OLDCRC OLDBYTE", or "skip WHY"
                                          where poke would fail (so a test
                                          makes many damaged copies from one
                                          process and one copy of the image)
(OFF must not be in the first 4 bytes of a 512-byte block: those hold the
cycle stamp.)"""
import struct
import sys


def _table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


TABLE = _table()


def crc32c(crc, data):
    t = TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def log_offset(f):
    f.seek(0)
    sb = f.read(512)
    blocklog = sb[120]
    agblklog = sb[124]
    agblocks = struct.unpack(">I", sb[84:88])[0]
    logstart = struct.unpack(">Q", sb[48:56])[0]
    agno, agbno = logstart >> agblklog, logstart & ((1 << agblklog) - 1)
    return (agno * agblocks + agbno) << blocklog


def damage(f, logoff, blk, off, val):
    """(header offset, new header, data offset, old data, new data) of
    the record at log block blk with byte off of its data set to val and
    its CRC resealed; a ValueError says why it cannot be done."""
    if off % 512 < 4:
        raise ValueError("offset in a cycle stamp")
    f.seek(logoff + blk * 512)
    h = bytearray(f.read(512))
    if len(h) < 512 or struct.unpack(">I", h[0:4])[0] != 0xFEEDBABE:
        raise ValueError("no record header at log block %d" % blk)
    hlen = struct.unpack(">I", h[12:16])[0]
    hsize = struct.unpack(">I", h[320:324])[0]
    if hsize > 32768:
        raise ValueError("extended headers not handled")
    old = f.read(hlen)
    if off >= len(old):
        raise ValueError("offset %d past the record's %d bytes" % (off, len(old)))
    data = bytearray(old)
    data[off] = val
    h[32:36] = b"\0\0\0\0"
    c = crc32c(0xFFFFFFFF, bytes(h[:328]))
    c = crc32c(c, bytes(data))
    h[32:36] = struct.pack("<I", c ^ 0xFFFFFFFF)
    return logoff + blk * 512, bytes(h), logoff + blk * 512 + 512, old, bytes(data)


def octal(b):
    return "".join("\\%03o" % x for x in b)


def main():
    img, cmd = sys.argv[1], sys.argv[2]
    if cmd == "poke":
        blk, off, val = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5], 0)
        with open(img, "r+b") as f:
            try:
                hoff, h, doff, _, data = damage(f, log_offset(f), blk, off, val)
            except ValueError as e:
                sys.exit(str(e))
            f.seek(hoff)
            f.write(h)
            f.seek(doff)
            f.write(data)
    elif cmd == "patches":
        with open(img, "rb") as f:
            logoff = log_offset(f)
            for line in sys.stdin:
                blk, off, val = line.split()
                try:
                    hoff, h, doff, old, data = damage(f, logoff, int(blk), int(off),
                                                      int(val, 0))
                except ValueError as e:
                    print("skip", str(e).replace(" ", "_"))
                    continue
                f.seek(hoff)
                oldh = f.read(512)
                print(hoff + 32, octal(h[32:36]), doff + int(off), octal(data[int(off):int(off) + 1]),
                      octal(oldh[32:36]), octal(old[int(off):int(off) + 1]))
    else:
        sys.exit("unknown command " + cmd)


main()
