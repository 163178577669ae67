#!/usr/bin/env bash
# Clean builds of the minimal app, a Venice-only user of `prepaid` and the `prepaid`
# command, one after the other, twice, each into an empty target directory under
# $OUT (default /tmp/build-cost), all from the workspace's Cargo.lock. Prints one line per
# build: round, what, wall and user CPU seconds. See docs/PERFORMANCE.md, "Lean builds".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT:-/tmp/build-cost}"
mkdir -p "$out"
for what in minimal venice-user; do cp "$root/Cargo.lock" "$here/$what/Cargo.lock"; done
for round in 1 2; do
  for what in minimal venice-user prepaid-cli; do
    rm -rf "${out:?}/t-$what"
    if [ "$what" = prepaid-cli ]; then dir="$root"; args=(-p prepaid-cli); else dir="$here/$what"; args=(); fi
    ( cd "$dir" && /usr/bin/time -f "$round $what %e s wall %U s user" \
        env CARGO_TARGET_DIR="$out/t-$what" cargo build -q --offline --timings "${args[@]}" ) 2>&1 | tail -1
  done
done
for what in minimal venice-user; do rm -f "$here/$what/Cargo.lock"; done
