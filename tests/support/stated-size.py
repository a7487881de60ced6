#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Rewrite the size a compressed file states, leaving its data alone, so
that the file is damaged the way a lying header or index is (the format's
own tool calls it corrupt):

  stated-size.py xz FILE N [STREAM]  the first index record of stream
                                     STREAM (1 = first, the default; the
                                     streams of a concatenation are found
                                     from the end) says N uncompressed
                                     bytes; the index CRC32 is recomputed
  stated-size.py zstd FILE N         the first frame's content size field
                                     (zstd --content-size) is N
  stated-size.py lz4 FILE N          the first frame's content size (lz4
                                     --content-size) is N; the header
                                     checksum (xxh32) is recomputed
  stated-size.py gzip FILE N         the last member's ISIZE is N mod 2^32

Written from the format specifications (xz file format 1.0.4, RFC 8878,
the lz4 frame format 1.6.x, RFC 1952)."""
import struct
import sys
import zlib


def vli_dec(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if not c & 0x80:
            return v, i


def vli_enc(v, n):
    out = bytearray()
    for k in range(n):
        out.append((v & 0x7F) | (0x80 if k < n - 1 else 0))
        v >>= 7
    if v:
        sys.exit("stated-size.py: the new size needs a longer VLI than the old one")
    return bytes(out)


def xz(b, n, stream):
    # walk the streams back from the end: footer, index, blocks, header
    ends = []
    end = len(b)
    while end > 0:
        while end >= 4 and b[end - 4:end] == b"\0\0\0\0":
            end -= 4  # stream padding
        if end < 12 or b[end - 2:end] != b"YZ":
            break
        isize = (struct.unpack_from("<I", b, end - 8)[0] + 1) * 4
        ix = end - 12 - isize
        nrec, i = vli_dec(b, ix + 1)
        blocks = 0
        for _ in range(nrec):
            unp, i = vli_dec(b, i)
            _, i = vli_dec(b, i)
            blocks += (unp + 3) & ~3
        ends.append(ix)
        end = ix - blocks - 12
    ends.reverse()
    ix = ends[stream - 1]
    assert b[ix] == 0, "no xz index there"
    nrec, i = vli_dec(b, ix + 1)
    assert nrec >= 1, "the stream has no block"
    _, i = vli_dec(b, i)
    st = i
    old, i = vli_dec(b, i)
    b[st:i] = vli_enc(n, i - st)
    j = i
    for _ in range(nrec - 1):
        _, j = vli_dec(b, j)
        _, j = vli_dec(b, j)
    crc_at = ix + ((j - ix + 3) & ~3)  # padded to 4 bytes, then the CRC32
    b[crc_at:crc_at + 4] = struct.pack("<I", zlib.crc32(bytes(b[ix:crc_at])) & 0xFFFFFFFF)
    return old


def zstd(b, n):
    assert b[:4] == b"\x28\xb5\x2f\xfd", "not a zstd frame"
    fhd = b[4]
    single = (fhd >> 5) & 1
    fcs_flag = fhd >> 6
    did = [0, 1, 2, 4][fhd & 3]
    at = 5 + (0 if single else 1) + did
    width = [1 if single else 0, 2, 4, 8][fcs_flag]
    assert width, "make the frame with zstd --content-size"
    fmt = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}[width]
    bias = 256 if width == 2 else 0  # the 2-byte field holds size - 256
    old = struct.unpack_from(fmt, b, at)[0] + bias
    struct.pack_into(fmt, b, at, n - bias)
    return old


P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
M = 0xFFFFFFFF


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M


def xxh32(data, seed=0):
    n = len(data)
    i = 0
    if n >= 16:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed & M, (seed - P1) & M]
        while i + 16 <= n:
            for k in range(4):
                w = struct.unpack_from("<I", data, i)[0]
                i += 4
                v[k] = (rotl((v[k] + w * P2) & M, 13) * P1) & M
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 4 <= n:
        h = (rotl((h + struct.unpack_from("<I", data, i)[0] * P3) & M, 17) * P4) & M
        i += 4
    while i < n:
        h = (rotl((h + data[i] * P5) & M, 11) * P1) & M
        i += 1
    h ^= h >> 15
    h = (h * P2) & M
    h ^= h >> 13
    h = (h * P3) & M
    h ^= h >> 16
    return h


def lz4(b, n):
    assert b[:4] == b"\x04\x22\x4d\x18", "not an lz4 frame"
    flg = b[4]
    assert flg & 0x08, "make the frame with lz4 --content-size"
    old = struct.unpack_from("<Q", b, 6)[0]
    struct.pack_into("<Q", b, 6, n)
    hc = 14 + (4 if flg & 1 else 0)
    b[hc] = (xxh32(bytes(b[4:hc])) >> 8) & 0xFF
    return old


def gzip(b, n):
    assert b[:2] == b"\x1f\x8b", "not gzip"
    old = struct.unpack_from("<I", b, len(b) - 4)[0]
    struct.pack_into("<I", b, len(b) - 4, n & 0xFFFFFFFF)
    return old


def main():
    fmt, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, "rb") as f:
        b = bytearray(f.read())
    if fmt == "xz":
        old = xz(b, n, int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    else:
        old = {"zstd": zstd, "lz4": lz4, "gzip": gzip}[fmt](b, n)
    with open(path, "wb") as f:
        f.write(b)
    print(old)


main()
