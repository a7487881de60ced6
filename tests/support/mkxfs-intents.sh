#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# [MODE=cow] mkxfs-intents.sh OUT_IMG OUT_MANIFEST [TRIES] [WANT]: an XFS (mkfs.xfs
# defaults: crc, reflink, 32 MiB, the smallest log) whose dirty log holds
# intents without their done items, made by the host kernel: patterned
# files, reflinked copies overwritten in small pieces (copy-on-write: the
# remap at writeback logs BUI/CUI/RUI chains), fragmented files truncated
# and removed (EFI chains), raced against `xfs_io -x -c 'shutdown -f'`
# (the log flushed, then the filesystem shut down: what a crash after a log
# write leaves). Each try is judged by `xfs_logprint -t`; the first image
# whose log holds an intent without its done item of kind WANT (BUI by
# default; EFI also accepted with WANT=any) is kept: OUT_IMG, and
# OUT_MANIFEST the host kernel's own recovery of a copy of it (mount -o
# loop; "path size sha256 mode links" a line, sorted). MODE=cow: no reflink
# copy of the 1000-extent file, and few overwrites, so that a BUI left is
# one of copy-on-write on a fork in extents format. Needs root.
# Prints the number of tries and the log's unpaired intents on stderr.
set -e
out=$1 man=$2 tries=${3:-400} want=${4:-BUI}
tmp=$(mktemp -d /tmp/mkxfs-intents.XXXXXX)
m=$tmp/m
mkdir -p "$m"
trap 'umount "$m" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
# mkfs.xfs refuses filesystems under 300 MiB outside its test mode
export TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1
# a python that starts at once (not through a version manager's shim)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# the intents of the log without a done item: "KIND id" lines
unpaired() {
	xfs_logprint -t "$1" 2>/dev/null | awk '
	/^[ \t]*(EFI|RUI|CUI|BUI|EFD|RUD|CUD|BUD):/ && match($0, /id: *0x[0-9a-f]+/) {
		k = $1; sub(/^[ \t]*/, "", k); k = substr(k, 1, 3)
		id = substr($0, RSTART, RLENGTH); sub(/id: */, "", id)
		if (k ~ /I$/) open[id] = k; else delete open[id]
	}
	END { for (id in open) print open[id], id }'
}

workload() {
	$PY - "$1" "$2" <<'PY'
import os, random, subprocess, sys
d = sys.argv[1]
random.seed(int.from_bytes(os.urandom(4), "little"))
def pat(name, n):
    # a pattern that compresses: the name and the block number in every block
    return b"".join(((name + ":%08d:" % (i,)).encode() * 300)[:4096] for i in range(n))
open(sys.argv[2], "w").close()	# started
# truncates and removals of files of 1000 extents: long EFI chains, two
# extents a transaction
os.truncate(d + "/frag1", random.randrange(0, 300) * 4096)
os.unlink(d + "/frag2")
# a reflinked copy of a file of 1000 extents: a remap transaction (CUI, BUI)
# an extent
cow = os.environ.get("MODE") == "cow"
if cow:
    # ranges of two small files cloned in turn over the same range of a
    # third (FICLONERANGE): each clone unmaps the old blocks and maps the
    # new ones (BUI unmap, BUI map) on a fork that stays in extents format
    import fcntl, struct, time
    fd = os.open(d + "/dst", os.O_RDWR)
    srcs = [os.open(d + "/s%d" % k, os.O_RDONLY) for k in range(2)]
    t = time.time() + 1.5
    k = 0
    while time.time() < t:
        try:
            fcntl.ioctl(fd, 0x4020940d, struct.pack("qQQQ", srcs[k & 1], 0, 8192, 4096 * (k % 3)))
        except OSError:
            break
        k += 1
else:
    subprocess.run(["cp", "--reflink=always", d + "/frag0", d + "/r0"])
# copy-on-write overwrites, written back at fsync: the remap of each new
# extent over the old one (BUI unmap, BUI map)
for k in range(2):
    with open("%s/c%d" % (d, k), "r+b") as f:
        for j in range(6 if cow else 48):
            f.seek(random.randrange(0, 512) * 4096)
            f.write(pat("w%d.%d" % (k, j), random.randrange(1, 4)))
        f.flush()
        os.fsync(f.fileno())
os.sync()
PY
}

try=0
while [ $try -lt "$tries" ]; do
	try=$((try + 1))
	[ -z "$VERBOSE" ] || echo "try $try" >&2
	rm -f "$tmp/img"
	truncate -s 32M "$tmp/img"
	mkfs.xfs -q -f -l size=1368b "$tmp/img"
	mount -o loop "$tmp/img" "$m"
	$PY - "$m" <<'PY'
import os, sys
d = sys.argv[1]
def pat(name, n):
    return b"".join(((name + ":%08d:" % (i,)).encode() * 300)[:4096] for i in range(n))
with open(d + "/base", "wb") as f:
    f.write(pat("base", 512))
# three files given a block at a time in turn (fragmented), then written
fs = [os.open("%s/frag%d" % (d, k), os.O_RDWR | os.O_CREAT, 0o644) for k in range(3)]
for i in range(1000):
    for f in fs:
        os.posix_fallocate(f, i * 4096, 4096)
for k, f in enumerate(fs):
    os.pwrite(f, pat("frag%d" % k, 1000), 0)
    os.close(f)
os.mkdir(d + "/dir")
with open(d + "/dir/small", "wb") as f:
    f.write(b"small file\n")
with open(d + "/dir/force", "wb") as f:
    f.write(b"y")
for k in range(2):
    with open("%s/s%d" % (d, k), "wb") as f:
        f.write(pat("s%d" % k, 4))
with open(d + "/dst", "wb") as f:
    f.write(pat("dst", 4))
PY
	cp --reflink=always "$m/base" "$m/c0"
	cp --reflink=always "$m/base" "$m/c1"
	sync
	rm -f "$tmp/started"
	workload "$m" "$tmp/started" 2>/dev/null &
	wpid=$!
	# log forces at random points of the chains (an intent and its done
	# item in one checkpoint never reach the log)
	$PY -c 'import os, sys, time
t = time.time() + 2
while time.time() < t:
    try:
        f = os.open(sys.argv[1], os.O_WRONLY)
        os.pwrite(f, b"x", 0)
        os.fsync(f)
        os.close(f)
    except OSError:
        break' "$m/dir/force" 2>/dev/null &
	fpid=$!
	while [ ! -e "$tmp/started" ] && kill -0 $wpid 2>/dev/null; do sleep 0.01; done
	# the shutdown somewhere in the workload (0-150 ms in)
	sleep "0.$(printf '%03d' $(( $(od -An -N2 -tu2 /dev/urandom) % 150 )))"
	# every other try the log is flushed first (godown -f)
	if [ $((try % 2)) = 0 ]; then xfs_io -x -c 'shutdown -f' "$m"; else xfs_io -x -c shutdown "$m"; fi 2>/dev/null || true
	wait $wpid 2>/dev/null || true
	wait $fpid 2>/dev/null || true
	umount "$m"
	[ -z "$KEEP_LAST" ] || cp "$tmp/img" "$KEEP_LAST"
	u=$(unpaired "$tmp/img")
	if [ -n "$u" ] && { [ "$want" = any ] || printf '%s\n' "$u" | grep -q "^$want "; }; then
		echo "try $try: unpaired intents: $(printf '%s\n' "$u" | awk '{print $1}' | sort | uniq -c | tr -s ' \n' ' ')" >&2
		cp "$tmp/img" "$out"
		cp "$tmp/img" "$tmp/copy"
		mount -o loop "$tmp/copy" "$m"
		(cd "$m" && find . -mindepth 1 \( -type f -o -type d \) -printf '%p %s %m %n\n' | sort |
		 while read -r p s mo n; do
			if [ -f "$p" ]; then h=$(sha256sum <"$p" | cut -d' ' -f1); else h=-; fi
			echo "${p#./} $s $h $mo $n"
		 done) >"$man"
		umount "$m"
		exit 0
	fi
done
echo "no $want left unfinished in $tries tries" >&2
exit 1
