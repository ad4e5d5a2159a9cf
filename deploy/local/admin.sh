#!/usr/bin/env bash
# Operator commands for the embedded default: ./deploy/local/admin.sh <command> [options] (--help lists them).
# Finds the local database by itself: ./deploy/local/up.sh writes its connection string to .local/cluster-connection-string,
# which reaches the admin command through the environment (ConnectionStrings__Cluster), never argv, where ps shows it.
# A ConnectionStrings__Cluster already in the environment wins, so the same script works against any cluster.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FILE="$ROOT/.local/cluster-connection-string"
DLL="$ROOT/src/Frontend/bin/Release/net10.0/QwenTts.Frontend.dll"

if [ -z "${ConnectionStrings__Cluster:-}" ]; then
  if [ ! -r "$FILE" ]; then
    echo "admin.sh: $FILE is missing: start the embedded default once with ./deploy/local/up.sh (it writes it), or set ConnectionStrings__Cluster." >&2
    exit 1
  fi
  ConnectionStrings__Cluster="$(cat "$FILE")"
  export ConnectionStrings__Cluster
fi
if [ ! -f "$DLL" ]; then
  echo "admin.sh: $DLL is not built: run ./deploy/local/up.sh or dotnet build QwenTts.sln -c Release." >&2
  exit 1
fi
exec dotnet "$DLL" admin "$@"
