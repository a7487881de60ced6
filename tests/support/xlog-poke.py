#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test support: damage a record of an XFS image's internal log, from the
format (spec xfs-log-recovery.md §1-§2), independently of pmemscan's reader.
  xlog-poke.py IMG poke LOGBLK OFF BYTE   set byte OFF of the data of the
                                          record at log block LOGBLK to
                                          BYTE, and reseal the record's CRC
(OFF must not be in the first 4 bytes of a 512-byte block: those hold the
cycle stamp.)"""
import struct
import sys


def crc32c(crc, data):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc


def main():
    img, cmd = sys.argv[1], sys.argv[2]
    with open(img, "r+b") as f:
        sb = f.read(512)
        blocklog = sb[120]
        agblklog = sb[124]
        agblocks = struct.unpack(">I", sb[84:88])[0]
        logstart = struct.unpack(">Q", sb[48:56])[0]
        agno, agbno = logstart >> agblklog, logstart & ((1 << agblklog) - 1)
        logoff = ((agno * agblocks + agbno) << blocklog)
        if cmd != "poke":
            sys.exit("unknown command " + cmd)
        blk, off, val = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5], 0)
        if off % 512 < 4:
            sys.exit("offset in a cycle stamp")
        f.seek(logoff + blk * 512)
        h = bytearray(f.read(512))
        if struct.unpack(">I", h[0:4])[0] != 0xFEEDBABE:
            sys.exit("no record header at log block %d" % blk)
        hlen = struct.unpack(">I", h[12:16])[0]
        hsize = struct.unpack(">I", h[320:324])[0]
        if hsize > 32768:
            sys.exit("extended headers not handled")
        data = bytearray(f.read(hlen))
        data[off] = val
        h[32:36] = b"\0\0\0\0"
        c = crc32c(0xFFFFFFFF, bytes(h[:328]))
        c = crc32c(c, bytes(data))
        h[32:36] = struct.pack("<I", c ^ 0xFFFFFFFF)
        f.seek(logoff + blk * 512)
        f.write(h)
        f.write(data)


main()
