#!/usr/bin/env bash
# Builds (once) the Python virtual environment that the Python client tests run in, and
# prints its python's path as the last line of stdout.
#
# The venv holds the official `openai` package pinned in test/python/requirements.txt. It
# lives outside the clone, in a cache directory named after a hash of that file
# (${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/python-venv-<hash>), so every clone and every
# CI run on a machine shares it, and a change of the pins builds a new one beside it.
# test/helpers/external-parts.ts computes the same path to find it.
#
# Usage: bash scripts/python-venv.sh [--print-path]
#
# Exit codes: 0 ready; 3 no Python >= 3.9 whose `-m venv` works (on Debian:
# `apt-get install -y python3 python3-venv`); 1 anything else (pip failed, ...).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$root/test/python/requirements.txt"
# sha256sum on Linux, shasum on macOS: the same digest either way.
if command -v sha256sum >/dev/null 2>&1; then
  hash="$(sha256sum "$requirements" | cut -c1-16)"
else
  hash="$(shasum -a 256 "$requirements" | cut -c1-16)"
fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/switchyard"
venv="$cache/python-venv-$hash"

log() { echo "python-venv: $*" >&2; }

# `--print-path`: where the venv's python is (or would be), without building anything.
if [ "${1:-}" = "--print-path" ]; then
  echo "$venv/bin/python"
  exit 0
fi

# A venv that imports openai is ready; one that does not (its base Python was removed,
# or a build stopped half-way before the rename below) is built again.
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import openai' >/dev/null 2>&1; then
  echo "$venv/bin/python"
  exit 0
fi

# Python 3.11 is what the tests are written against (Debian bookworm's python3); any
# 3.9+ runs the openai package.
pick_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

if ! python="$(pick_python)"; then
  log "no python3 (>= 3.9) on PATH; on Debian: apt-get install -y python3 python3-venv"
  exit 3
fi

mkdir -p "$cache"
partial="$venv.partial-$$"
rm -rf "$partial"
trap 'rm -rf "$partial"' EXIT

log "building $venv with $python ($("$python" --version 2>&1))"
if ! "$python" -m venv "$partial" >&2; then
  log "$python -m venv failed; on Debian: apt-get install -y python3-venv"
  exit 3
fi
"$partial/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$requirements" >&2
"$partial/bin/python" -c 'import openai' >&2

# The rename makes the venv appear whole or not at all; a run that lost a race to another
# one keeps the winner's venv.
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import openai' >/dev/null 2>&1; then
  log "another run built $venv first; using it"
else
  rm -rf "$venv"
  mv "$partial" "$venv"
fi
"$venv/bin/python" -c 'import openai' >&2
log "ready: openai $("$venv/bin/python" -c 'import openai; print(openai.__version__)')"
echo "$venv/bin/python"
