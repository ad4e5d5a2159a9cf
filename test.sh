#!/usr/bin/env bash
# Runs every test: set-up (PostgreSQL binaries, codecs, Chromium, tokenizer), a Release build, then each test project
# in turn (they start real PostgreSQL servers, silo and frontend processes and a browser; one at a time keeps the
# timings honest on small machines). Ends with one line: "Tests: N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
cd "$ROOT"

./deploy/local/setup.sh --tests || exit 1
dotnet build QwenTts.sln -c Release -nologo -v q -clp:ErrorsOnly || exit 1

LOG="$(mktemp)"
status=0
for project in tests/*/*.csproj; do
  case "$project" in */TestSupport/*) continue ;; esac
  dotnet test "$project" -c Release --no-build --nologo 2>&1 | tee -a "$LOG" || status=1
done

passed=$(grep -oE 'Passed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
rm -f "$LOG"
echo "Tests: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
