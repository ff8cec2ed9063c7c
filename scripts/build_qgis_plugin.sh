#!/usr/bin/env bash
# Packs the QGIS Processing plugin qgis/landcons_processing into a zip that QGIS's
# plugin manager installs (Plugins ▸ Manage and Install Plugins ▸ Install from ZIP):
# one top-level folder named as the plugin, no __pycache__.
#
#   scripts/build_qgis_plugin.sh [OUTPUT.zip]     (default: target/landcons_processing.zip)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$repo/target/landcons_processing.zip}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
# Python's zipfile rather than zip(1), which is not installed everywhere.
python3 - "$repo/qgis" "$out" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
plugin = "landcons_processing"
tmp = out + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, dirs, files in os.walk(os.path.join(src, plugin)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            z.write(path, os.path.relpath(path, src))
os.replace(tmp, out)
print(out)
PY
