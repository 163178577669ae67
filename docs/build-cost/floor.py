#!/usr/bin/env python3
"""Write a floor app into OUT_DIR: a crate that compiles every third-party crate PACKAGE
compiles (normal and build dependencies, progenitor included), at the same versions and with
the same features, and none of ours. A clean build of it is what PACKAGE's dependencies
cost; PACKAGE's own build over it is our code's share.

    floor.py MANIFEST_DIR OUT_DIR [PACKAGE]

MANIFEST_DIR is where `cargo tree` runs (the workspace root, or an app of docs/build-cost);
PACKAGE, when given, is the package it looks at (`prepaid-cli`).
"""
import collections
import os
import shutil
import subprocess
import sys

root, out = sys.argv[1], sys.argv[2]
package = ["-p", sys.argv[3]] if len(sys.argv) > 3 else []
tree = subprocess.run(
    ["cargo", "tree", *package, "-e", "normal,build", "-f", "{p}|{f}",
     "--prefix", "none", "--offline"],
    cwd=root, capture_output=True, text=True, check=True,
).stdout

features = collections.defaultdict(set)
for line in tree.splitlines():
    line = line.replace(" (*)", "").replace(" (proc-macro)", "").strip()
    if not line:
        continue
    package, enabled = line.split("|", 1)
    if "(/" in package:  # ours: a path package
        continue
    name, version = package.split(" ")[:2]
    features[(name, version.lstrip("v"))] |= {f for f in enabled.split(",") if f}

lines = [
    "[package]",
    'name = "floor"',
    'version = "0.1.0"',
    'edition = "2021"',
    "",
    "[workspace]",
    "",
    "# The workspace's profile: dependencies without debug info.",
    '[profile.dev.package."*"]',
    "debug = false",
    "",
    "[dependencies]",
]
for (name, version), enabled in sorted(features.items()):
    key = f"{name}-{version}".replace(".", "_").replace("+", "_")
    listed = ", ".join(f'"{f}"' for f in sorted(enabled))
    lines.append(
        f'{key} = {{ package = "{name}", version = "={version}", '
        f"default-features = false, features = [{listed}] }}"
    )

if os.path.exists(out):
    shutil.rmtree(out)
os.makedirs(os.path.join(out, "src"))
with open(os.path.join(out, "Cargo.toml"), "w") as f:
    f.write("\n".join(lines) + "\n")
with open(os.path.join(out, "src", "main.rs"), "w") as f:
    f.write("fn main() {}\n")
shutil.copy(os.path.join(root, "Cargo.lock"), os.path.join(out, "Cargo.lock"))
print(f"{out}: {len(features)} third-party crates")
