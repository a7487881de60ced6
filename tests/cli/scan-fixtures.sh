#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan's verdict on every generated fixture (docs/fixtures.md): the
# candidate it chooses is the one where the generator put the filesystem,
# with the generator's uuid, and it refuses to choose when it cannot know.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"

# verdict NAME NS RESULT CHOSEN [PREFIX]: namespace NS of fixture NAME
verdict() {
	n=$1; ns=$2; want="$3 $4"; p=${5:-}
	img=$(fixture "$n"); rc=$?
	if [ $rc -eq 77 ]; then skip "$n ns$ns: verdict $want" "a generator tool is missing"; return; fi
	if [ $rc -ne 0 ]; then not_ok "$n: fixture generated (exit $rc)"; return; fi
	rm -f "$T/j.json"
	"$PMEMSCAN" --json --hash none "$img" >"$T/j.json"
	got=$(jq -r ".namespaces[$ns].verdict | \"\(.result) \(.chosen)\"" "$T/j.json")
	check "$n ns$ns: verdict $want (got $got)" test "$got" = "$want"
	off=$(fixture_val "$n" ${p}fs_offset); uuid=$(fixture_val "$n" ${p}fs_uuid)
	[ -n "$off" ] || return 0
	case $4 in null) return 0;; esac
	check "$n ns$ns: chosen candidate at the generator's fs_offset $off with uuid $uuid" test \
		"$(jq -r ".namespaces[$ns] | .verdict.chosen as \$c | .candidates[] | select(.name == \$c) | \"\(.offset) \(.probe.uuid)\"" "$T/j.json")" = "$off $uuid"
}

verdict legacy-f4-fsdax-ext4 0 proven legacy
verdict legacy-f4-fsdax-ext4-252g 0 proven legacy
verdict legacy-f4-fsdax-xfs 0 proven legacy
verdict legacy-f2-fsdax-ext4 0 proven legacy
verdict legacy-f5-fsdax-ext4 0 proven legacy
verdict small-legacy-ext4 0 proven legacy
verdict legacy-devdax 0 no-filesystem-expected legacy
verdict current-f8-fsdax-ext4 0 proven data
verdict current-f8-fsdax-xfs 0 proven data
verdict current-f8-devdax 0 no-filesystem-expected data
verdict ndctl-fsdax-ext4 0 proven data
verdict raw-ext4 0 proven data
verdict raw-xfs 0 proven data
verdict hostile-ext4 0 proven data
verdict fixed-placed-ext4 0 proven fixed
verdict both-ext4 0 ambiguous null
verdict damaged-legacy-ext4 0 damaged null
verdict neither 0 no-filesystem null
verdict region-two-ns 0 proven data ns0_
verdict region-two-ns 1 proven legacy ns1_
img=$(fixture both-ext4); rc=$?
if [ $rc -eq 77 ]; then skip "both-ext4: both uuids reported" "a generator tool is missing"
elif [ $rc -ne 0 ]; then not_ok "both-ext4: fixture generated (exit $rc)"
else
	rm -f "$T/j.json"	# (never the report of the fixture before)
	"$PMEMSCAN" --json --hash none "$img" >"$T/j.json"
	check "both-ext4: both uuids reported" test \
		"$(jq -r '[.namespaces[0].candidates[].probe.uuid] | sort | join(" ")' "$T/j.json")" = \
		"0e2f5000-0000-4000-8000-000000000001 0e2f5000-0000-4000-8000-0000000000b0"
fi
done_testing
