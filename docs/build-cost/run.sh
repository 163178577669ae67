#!/usr/bin/env bash
# Clean builds, one after the other, each into an empty target directory under $OUT (default
# /tmp/build-cost), all from the workspace's Cargo.lock:
#   minimal        the baseline: reqwest + tokio + clap + rust_decimal, TLS as prepaid's default
#   venice-floor   every third-party crate venice-user compiles, none of ours (floor.py)
#   venice-user    a Venice-only user of the `prepaid` library
#   floor          every third-party crate the command compiles (normal and build
#                  dependencies, progenitor included), same versions and features, none of
#                  ours (floor.py)
#   prepaid-cli    the `prepaid` command, default features
# With BASELINE=<git revision>, venice-user and prepaid-cli are also built from a worktree of
# that revision in the same round (venice-user@base, prepaid-cli@base).
# Prints one line per build (round, what, wall and user CPU seconds), then, from the command's
# `--timings` data, how long each of our own units took. ROUNDS (default 1) repeats it.
# See docs/PERFORMANCE.md, "Build cost".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT:-/tmp/build-cost}"
mkdir -p "$out"
for what in minimal venice-user; do cp "$root/Cargo.lock" "$here/$what/Cargo.lock"; done
cleanup() {
  for what in minimal venice-user; do rm -f "$here/$what/Cargo.lock"; done
  if [ -n "${BASELINE:-}" ]; then git -C "$root" worktree remove --force "$out/base" 2>/dev/null || true; fi
}
trap cleanup EXIT
python3 "$here/floor.py" "$root" "$out/floor" prepaid-cli
python3 "$here/floor.py" "$here/venice-user" "$out/venice-floor"
builds=(minimal venice-floor venice-user floor prepaid-cli)
if [ -n "${BASELINE:-}" ]; then
  rm -rf "$out/base"
  git -C "$root" worktree add --detach "$out/base" "$BASELINE" >/dev/null
  cp "$root/Cargo.lock" "$out/base/docs/build-cost/venice-user/Cargo.lock"
  builds+=(venice-user@base prepaid-cli@base)
fi
for round in $(seq 1 "${ROUNDS:-1}"); do
  for what in "${builds[@]}"; do
    rm -rf "${out:?}/t-$what"
    case "$what" in
      prepaid-cli) dir="$root"; args=(-p prepaid-cli) ;;
      prepaid-cli@base) dir="$out/base"; args=(-p prepaid-cli) ;;
      venice-user@base) dir="$out/base/docs/build-cost/venice-user"; args=() ;;
      floor | venice-floor) dir="$out/$what"; args=() ;;
      *) dir="$here/$what"; args=() ;;
    esac
    ( cd "$dir" && /usr/bin/time -f "$round $what %e s wall %U s user" \
        env CARGO_TARGET_DIR="$out/t-$what" cargo build -q --timings "${args[@]}" ) 2>&1 | tail -1
  done
  # Our own units in the command's build: compile time of each, and its build scripts' runs.
  python3 - "$out/t-prepaid-cli/cargo-timings/cargo-timing.html" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
ours = ("prepaid", "runcrate-client", "ngrok-ai-gateway-client", "runtools-client",
        "venice-client")
total = 0.0
for unit in units:
    if unit["name"].startswith(ours):
        what = unit["target"].strip() or "lib"
        print(f'  {unit["name"]} {what}: {unit["duration"]:.2f} s')
        total += unit["duration"]
print(f"  our units in all: {total:.2f} s (sum of unit times; they overlap on 2 cores)")
PY
done
