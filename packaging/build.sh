#!/usr/bin/env bash
# Build the one-folder desktop bundle, dist/llmvis-desktop/ (the programs llmvis-desktop
# and llmvis, Python and every library inside), then run the smoke checks on it.
#
#   bash packaging/build.sh            # a fresh build environment in build/venv
#   PYTHON=/path/to/python bash packaging/build.sh --use-current
#                                      # build with that Python's installed packages
#
# The bundle needs no network and no Python on the target machine; copy the folder and
# run dist/llmvis-desktop/llmvis-desktop. Build on the platform you ship to (PyInstaller
# does not cross-compile). Set TORCH_SPEC to choose the torch build (default: the one
# pip picks for torch==2.13.0; a CPU-only build keeps the bundle near 1 GB smaller).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [[ "${1:-}" != "--use-current" ]]; then
    "$PYTHON" -m venv build/venv
    PYTHON=build/venv/bin/python
    "$PYTHON" -m pip install --quiet --upgrade pip
    "$PYTHON" -m pip install --quiet "${TORCH_SPEC:-torch==2.13.0}"
    "$PYTHON" -m pip install --quiet ".[postgresql]"
fi
"$PYTHON" -m pip install --quiet "pyinstaller>=6.10"
"$PYTHON" -m PyInstaller --noconfirm --clean --workpath build/pyinstaller --distpath dist \
    packaging/llmvis_desktop.spec
du -sh dist/llmvis-desktop
"$PYTHON" packaging/smoke.py dist/llmvis-desktop
