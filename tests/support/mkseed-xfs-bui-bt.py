#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test support: the fuzz seeds tests/fuzz/seeds/xfs_logrec/bui-btree-*,
logs for tests/fuzz/fuzz_xfs_logrec.c (which builds a small v5 filesystem
around the bytes: 4096-byte blocks, 512-byte inodes, one AG, the log at
block 16, LOGBLOCKS = ceil(BBs / 8), 48 blocks after it) whose BUI reaches
the bmbt code of src/xfs_intent.c: one record, one committed checkpoint of
  - a buffer item writing an inode block (inode 8 * INO_BLK, a regular
    file whose data fork is a btree: root in the inode, one leaf),
  - a buffer item writing that leaf: records for file blocks 0, 2, 4 ...
    (one block each),
  - a BUI, by VARIANT:
      full-leaf  251 records; map file block 1 (a hole) to a block no
                 record continues: the leaf must split (read view only)
      insert     100 records; the same map: inserted in the leaf on disk
      unmap      100 records; unmap file block 0: the first record goes,
                 the root's key follows
      join       100 records; map file block 1 to the block after file
                 block 0's: joins it (and file block 2's) on disk
Formats from the spec (xfs-log-recovery.md §2, §4, §5.1, §5.4) and the
on-disk dinode and bmbt block; independent of pmemscan's code.
  mkseed-xfs-bui-bt.py VARIANT OUT"""
import struct
import sys

BB, BS, ISIZE = 512, 4096, 512
NBB = 64                      # the seed: 64 log blocks (32 KiB)
LOGBLOCKS = (NBB + 7) // 8
DBLOCKS = 16 + LOGBLOCKS + 48
INO_BLK, LEAF_BLK, NEW_BLK = 30, 40, 70
INO = INO_BLK * 8
UUID = bytes(range(0x21, 0x31))
LEAF_MAX = (BS - 72) // 16


def crc32c(crc, data):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc


def cksum(buf, off):
    buf[off:off + 4] = b"\0\0\0\0"
    buf[off:off + 4] = struct.pack("<I", crc32c(0xFFFFFFFF, bytes(buf)) ^ 0xFFFFFFFF)


def bmbt_rec(off, start, n):
    return struct.pack(">QQ", (off << 9) | (start >> 43), ((start & ((1 << 43) - 1)) << 21) | n)


VARIANT = sys.argv[1]
NREC = LEAF_MAX if VARIANT == "full-leaf" else 100


def leaf():
    b = bytearray(BS)
    struct.pack_into(">IHHQQQQ", b, 0, 0x424D4133, 0, NREC, 2**64 - 1, 2**64 - 1,
                     LEAF_BLK * 8, 0)
    b[40:56] = UUID
    struct.pack_into(">Q", b, 56, INO)
    for i in range(NREC):
        # file block 2i: blocks of the fs's tail, shared (no two in a row
        # continue each other in the file)
        b[72 + 16 * i:88 + 16 * i] = bmbt_rec(2 * i, 60 + 2 * (i % 4), 1)
    cksum(b, 64)
    return b


def inode_block():
    b = bytearray(BS)
    for k in range(BS // ISIZE):
        d = memoryview(b)[k * ISIZE:(k + 1) * ISIZE]
        d[0:2] = b"IN"
        d[4] = 3
        struct.pack_into(">I", d, 96, 0xFFFFFFFF)
        struct.pack_into(">Q", d, 152, INO_BLK * 8 + k)
        d[160:176] = UUID
        if INO_BLK * 8 + k == INO:
            struct.pack_into(">H", d, 2, 0o100644)
            d[5] = 3                                        # btree
            struct.pack_into(">I", d, 16, 1)                # nlink
            struct.pack_into(">QQ", d, 56, 2 * NREC * BS, NREC + 1)
            struct.pack_into(">I", d, 76, NREC)             # nextents
            d[83] = 2                                       # aformat
            maxr = (ISIZE - 176 - 4) // 16
            struct.pack_into(">HHQ", d, 176, 1, 1, 0)       # level, numrecs, key
            struct.pack_into(">Q", d, 180 + 8 * maxr, LEAF_BLK)
        c = bytearray(d)
        cksum(c, 100)
        d[:] = c
    return b


def buf_item(blk, data):
    # xfs_buf_log_format: type, size (regions), flags, len (BBs), blkno,
    # map size (words), the dirty bitmap (one bit per 128 bytes)
    fmt = struct.pack("<HHHHqI", 0x123C, 2, 0, BS // BB, blk * 8, 1) + struct.pack("<I", 0xFFFFFFFF)
    return [fmt, bytes(data)]


def main():
    tid = 0x42545245
    regions = buf_item(INO_BLK, inode_block()) + buf_item(LEAF_BLK, leaf())
    # owner, startblock, startoff, len, type
    bui = {"full-leaf": (INO, NEW_BLK, 1, 1, 1), "insert": (INO, NEW_BLK, 1, 1, 1),
           "unmap": (INO, 60, 0, 1, 2), "join": (INO, 61, 1, 1, 1)}[VARIANT]
    regions.append(struct.pack("<HHIQ", 0x1244, 1, 1, 0xB7) + struct.pack("<QQQII", *bui))

    def op(flags, payload=b""):
        return struct.pack(">IIBBH", tid, len(payload), 0x69, flags, 0) + payload
    ops = [op(0x01), op(0, struct.pack("<IIII", 0x5452414E, 40, tid, len(regions)))]
    ops += [op(0, r) for r in regions]
    ops.append(op(0x02))
    data = bytearray(b"".join(ops))
    data += b"\0" * (-len(data) % BB)
    nbb = len(data) // BB
    assert nbb <= 64 and 1 + nbb <= NBB
    h = bytearray(BB)
    struct.pack_into(">IIII", h, 0, 0xFEEDBABE, 1, 2, len(data))
    struct.pack_into(">QQ", h, 16, 1 << 32, 1 << 32)
    struct.pack_into(">II", h, 36, 0, len(ops))
    for i in range(nbb):
        h[44 + 4 * i:48 + 4 * i] = data[BB * i:BB * i + 4]
        data[BB * i:BB * i + 4] = struct.pack(">I", 1)
    struct.pack_into(">I", h, 300, 1)
    h[304:320] = UUID
    struct.pack_into(">I", h, 320, 32768)
    h[32:36] = b"\0\0\0\0"
    c = crc32c(crc32c(0xFFFFFFFF, bytes(h[:328])), bytes(data))
    h[32:36] = struct.pack("<I", c ^ 0xFFFFFFFF)
    out = bytes(h) + bytes(data)
    out += b"\0" * (NBB * BB - len(out))
    with open(sys.argv[2], "wb") as f:
        f.write(out)


main()
