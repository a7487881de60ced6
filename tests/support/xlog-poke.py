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
cycle stamp.)
  xlog-poke.py IMG bui INO TYPE OFF START LEN [INO TYPE OFF START LEN ...]
                                          append to a log in its first cycle
                                          one record holding one committed
                                          checkpoint of one BUI per group
                                          (TYPE 1 map, 2 unmap; file block
                                          OFF, filesystem block START, LEN
                                          blocks; no BUD), written as the
                                          kernel writes a record (spec §2,
                                          §4.1-4.2, §5.4): what a crash
                                          after the checkpoint leaves"""
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


def seal(h, data):
    """the record's CRC (spec §2.5): header with h_crc 0, then the data as
    stored"""
    h[32:36] = b"\0\0\0\0"
    c = crc32c(0xFFFFFFFF, bytes(h[:328]))
    c = crc32c(c, bytes(data))
    h[32:36] = struct.pack("<I", c ^ 0xFFFFFFFF)


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
    seal(h, data)
    return logoff + blk * 512, bytes(h), logoff + blk * 512 + 512, old, bytes(data)


def append_bui(f, sb, logoff, a):
    if not a or len(a) % 5:
        sys.exit("bui: groups of INO TYPE OFF START LEN")
    logblocks = struct.unpack(">I", sb[96:100])[0] << (sb[120] - 9)
    logsunit = struct.unpack(">I", sb[196:200])[0]
    uuid = sb[32:48]
    # the head: the records of the first cycle, one after the other from
    # block 0 (a log that has wrapped is refused)
    blk, prev, cycle = 0, None, None
    while blk < logblocks:
        f.seek(logoff + blk * 512)
        h = f.read(512)
        magic, cyc = struct.unpack(">II", h[0:8])
        if magic != 0xFEEDBABE or (cycle is not None and cyc != cycle):
            break
        if cycle is None:
            cycle = cyc
        if struct.unpack(">I", h[320:324])[0] > 32768:
            sys.exit("bui: extended headers not handled")
        hlen = struct.unpack(">I", h[12:16])[0]
        # the tail: a clean log's next record starts it (the head record
        # is an unmount record: its first op, whose first word the cycle
        # stamp saved in h_cycle_data[0], has client XFS_LOG and the
        # UNMOUNT flag); a dirty log keeps the tail of its head record
        first = h[44:48] + f.read(12)[4:12]
        clean = first[8] == 0xAA and first[9] & 0x20
        tail = struct.unpack(">Q", h[24:32])[0]
        prev, blk = blk, blk + 1 + (hlen + 511) // 512
    if cycle != 1 or prev is None:
        sys.exit("bui: not a log in its first cycle")
    tid = 0x5049424E
    # the ops (spec §4.1, §4.2): START, the transaction header, one region
    # per BUI, COMMIT; host (little-endian) order inside the regions
    def op(flags, payload=b""):
        return struct.pack(">IIBBH", tid, len(payload), 0x69, flags, 0) + payload
    n = len(a) // 5
    ops = [op(0x01), op(0, struct.pack("<IIII", 0x5452414E, 40, tid, n))]
    for i in range(n):
        ino, typ, off, start, ln = a[5 * i:5 * i + 5]
        bui = struct.pack("<HHIQ", 0x1244, 1, 1, 0xB0100 + i)
        bui += struct.pack("<QQQII", ino, start, off, ln, typ)
        ops.append(op(0, bui))
    ops.append(op(0x02))
    data = bytearray(b"".join(ops))
    unit = logsunit if logsunit > 1 else 512
    data += b"\0" * (-(512 + len(data)) % unit)
    nbb = len(data) // 512
    if nbb > 64 or blk + 1 + nbb > logblocks:
        sys.exit("bui: the record does not fit")
    lsn = (cycle << 32) | blk
    h = bytearray(512)
    struct.pack_into(">IIII", h, 0, 0xFEEDBABE, cycle, 2, len(data))
    struct.pack_into(">QQ", h, 16, lsn, lsn if clean else tail)
    struct.pack_into(">II", h, 36, prev, len(ops))
    # cycle stamping (spec §2.3): the first word of each data block saved
    # in h_cycle_data, the cycle in its place
    for i in range(nbb):
        h[44 + 4 * i:48 + 4 * i] = data[512 * i:512 * i + 4]
        data[512 * i:512 * i + 4] = struct.pack(">I", cycle)
    struct.pack_into(">I", h, 300, 1)
    h[304:320] = uuid
    struct.pack_into(">I", h, 320, 32768)
    seal(h, data)
    f.seek(logoff + blk * 512)
    f.write(h)
    f.write(data)


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
    elif cmd == "bui":
        with open(img, "r+b") as f:
            logoff = log_offset(f)
            f.seek(0)
            append_bui(f, f.read(512), logoff, [int(a, 0) for a in sys.argv[3:]])
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
