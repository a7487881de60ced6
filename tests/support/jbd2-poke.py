#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test support: read and damage an ext4 image's jbd2 journal, from the
format (spec jbd2-recovery.md), independently of pmemscan's reader.
  jbd2-poke.py IMG BS list                 log blocks: jblk type tid
  jbd2-poke.py IMG BS flip JBLK BYTE       flip a byte of a journal block
  jbd2-poke.py IMG BS tag-home JBLK HOME   first tag of descriptor JBLK
                                           names HOME (checksum resealed)
  jbd2-poke.py IMG BS start JBLK           s_start := JBLK (resealed)
The journal inode's (8) block map comes from debugfs (e2fsprogs)."""
import re
import struct
import subprocess
import sys

MAGIC = 0xC03B3998


def crc32c(crc, data):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc


def journal_map(img):
    out = subprocess.run(["debugfs", "-R", "stat <8>", img], capture_output=True,
                         text=True, check=True).stdout
    ext = out.split("EXTENTS:", 1)[1]
    runs = []
    for m in re.finditer(r"\((\d+)(?:-(\d+))?\):(\d+)", ext):
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        runs.append((lo, hi, int(m.group(3))))
    return runs


def main():
    img, bs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sys.argv.insert(2, "-")  # the arguments after the command at 5, 6
    runs = journal_map(img)

    def where(n):
        for lo, hi, p in runs:
            if lo <= n <= hi:
                return (p + n - lo) * bs
        raise SystemExit("journal block %d not mapped" % n)
    with open(img, "r+b") as f:
        def blk(n):
            f.seek(where(n))
            return bytearray(f.read(bs))

        def put(n, b):
            f.seek(where(n))
            f.write(b)
        sb = blk(0)
        magic, btype, _, _, maxlen, first, seq, start = struct.unpack(">8I", sb[:32])
        assert magic == MAGIC, "no journal superblock"
        seed = crc32c(0xFFFFFFFF, sb[0x30:0x40])
        incompat = struct.unpack(">I", sb[0x28:0x2C])[0]
        csum = 3 if incompat & 0x10 else 2 if incompat & 0x8 else 0
        b64 = incompat & 0x2
        tagb = 16 if csum == 3 else (14 if b64 else 10) if csum == 2 else 12 if b64 else 8

        def ntags(b):
            p, n = 12, 0
            while p + tagb <= bs - (4 if csum else 0):
                fl = struct.unpack(">H", b[p + 6:p + 8])[0]
                n += 1
                p += tagb + (0 if fl & 2 else 16)
                if fl & 8:
                    break
            return n
        if cmd == "list":
            n, tid = start, seq
            for _ in range(maxlen):
                b = blk(n)
                m, t, s = struct.unpack(">3I", b[:12])
                if m != MAGIC or s != tid:
                    break
                print(n, t, s)
                if t == 2:
                    tid += 1
                n += 1 + (ntags(b) if t == 1 else 0)
                if n >= maxlen:
                    n -= maxlen - first
        elif cmd == "flip":
            n, off = int(sys.argv[5]), int(sys.argv[6])
            b = blk(n)
            b[off] ^= 0xFF
            put(n, b)
        elif cmd == "tag-home":
            n, home = int(sys.argv[5]), int(sys.argv[6])
            b = blk(n)
            struct.pack_into(">I", b, 12, home & 0xFFFFFFFF)
            struct.pack_into(">I", b, 20, home >> 32)
            struct.pack_into(">I", b, bs - 4, 0)
            struct.pack_into(">I", b, bs - 4, crc32c(seed, b))
            put(n, b)
        elif cmd == "start":
            struct.pack_into(">I", sb, 0x1C, int(sys.argv[5]))
            struct.pack_into(">I", sb, 0xFC, 0)
            struct.pack_into(">I", sb, 0xFC, crc32c(0xFFFFFFFF, sb[:1024]))
            put(0, sb)


main()
