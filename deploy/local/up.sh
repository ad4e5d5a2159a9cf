#!/usr/bin/env bash
# The embedded default: PostgreSQL (data in .local/postgres), two silos with emulated Ascend-like and Hygon-like
# cards running the miniature model, and the frontend on http://127.0.0.1:8080. Ctrl-C stops all of it.
# Options: --silos N  --port P  --postgres-port P  --no-clone
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
./deploy/local/setup.sh
dotnet build QwenTts.sln -c Release -nologo -v q -clp:ErrorsOnly
exec dotnet src/LocalCluster/bin/Release/net10.0/QwenTts.LocalCluster.dll "$@"
