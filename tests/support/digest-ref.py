#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reference implementation of pmemscan's content digests (docs/digest.md).

usage: digest-ref.py [--sha256|--sparse] IMAGE

IMAGE is a plain (decoded) image. Holes are found with SEEK_DATA so huge
sparse images are cheap; the result is the same as reading every byte.
"""
import hashlib
import os
import struct
import sys

CHUNK = 1 << 20
TAG = b"pmemscan-sparse-sha256-v1"


def next_data(fd, off, size):
    try:
        return os.lseek(fd, off, os.SEEK_DATA)
    except OSError:  # ENXIO: no data after off
        return size


def sparse(path):
    h = hashlib.sha256(TAG)
    fd = os.open(path, os.O_RDONLY)
    size = os.fstat(fd).st_size
    i = 0
    while i * CHUNK < size:
        off = i * CHUNK
        d = next_data(fd, off, size)
        if d >= size:
            break
        if d >= off + CHUNK:  # skip whole hole chunks
            i = d // CHUNK
            continue
        length = min(CHUNK, size - off)
        data = os.pread(fd, length, off)
        assert len(data) == length
        if data.count(0) != length:  # not all zero: one record
            h.update(struct.pack("<QQ", off, length))
            h.update(hashlib.sha256(data).digest())
        i += 1
    os.close(fd)
    h.update(struct.pack("<Q", size))
    return h.hexdigest()


def plain(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(CHUNK), b""):
            h.update(b)
    return h.hexdigest()


def main():
    args = sys.argv[1:]
    kind = "--sha256"
    if args and args[0] in ("--sha256", "--sparse"):
        kind = args.pop(0)
    if len(args) != 1:
        sys.exit(__doc__)
    print("%s  %s" % (sparse(args[0]) if kind == "--sparse" else plain(args[0]), args[0]))


main()
