#!/usr/bin/env bash
# Installs the external parts that some test suites need and that npm does not ship:
#
#   python-openai  the official `openai` Python package, in a cached venv (scripts/python-venv.sh);
#                  installs Debian's python3-venv first only when `python3 -m venv` cannot work
#   redis-server   Debian's redis-server (issue 20's shared budgets)
#   chromium       Debian's chromium, run headless (issue 21's web view)
#
# Usage: bash scripts/install-external-parts.sh [part ...]   (no part: all of them)
#
# A part already present is left alone, so running it again is cheap. Debian packages need
# root: run as root, or with sudo on PATH. test/helpers/external-parts.ts knows the same
# parts, how to detect them, and prints this command for the ones a test run missed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
all_parts=(python-openai redis-server chromium)
apt_updated=false

log() { echo "external parts: $*" >&2; }

apt_install() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      log "needs root to install $*: run as root: apt-get update && apt-get install -y $*"
      return 1
    fi
    sudo=(sudo)
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no apt-get here: install $* with this system's package manager"
    return 1
  fi
  if [ "$apt_updated" = false ]; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=true
  fi
  log "apt-get install -y $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

install_python_openai() {
  local status=0
  bash "$root/scripts/python-venv.sh" >/dev/null || status=$?
  if [ "$status" -eq 3 ]; then
    # No Python whose `-m venv` works (Debian ships venv's ensurepip apart, in python3-venv).
    apt_install python3 python3-venv
    bash "$root/scripts/python-venv.sh" >/dev/null
  elif [ "$status" -ne 0 ]; then
    return "$status"
  fi
}

install_redis_server() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
}

install_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

parts=("$@")
[ "${#parts[@]}" -gt 0 ] || parts=("${all_parts[@]}")
for part in "${parts[@]}"; do
  case "$part" in
    python-openai) install_python_openai ;;
    redis-server) install_redis_server ;;
    chromium) install_chromium ;;
    *)
      log "unknown part '$part' (known: ${all_parts[*]})"
      exit 2
      ;;
  esac
  log "$part ready"
done
