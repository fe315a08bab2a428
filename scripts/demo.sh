#!/usr/bin/env bash
# The console on the bundled demo repository and the sandbox, with real helm
# and kubectl (for the demo's Helm chart and for making drift by hand) put on
# PATH from target/tools first. Arguments go to plumb.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/tools.sh):$PATH"
export PATH
exec cargo run --release --quiet -- "$@"
