#!/usr/bin/env bash
# Runs every test: unit, engine-on-fixtures, end-to-end against the sandbox,
# and the real-tool comparisons (helm, kubectl, kustomize).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(scripts/tools.sh)
export PATH="$tools:$PATH"
export HELM_CACHE_HOME="$PWD/target/tools/helm/cache"
export HELM_CONFIG_HOME="$PWD/target/tools/helm/config"
export HELM_DATA_HOME="$PWD/target/tools/helm/data"
cargo build --all-targets
cargo test --all-targets "$@"
