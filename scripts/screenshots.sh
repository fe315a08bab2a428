#!/usr/bin/env bash
# Screenshots of the console for the README: the real binary on the bundled
# demo repository (as `cargo run --release` runs it: own PLUMB_HOME, no
# kubeconfig, so the sandbox) in tmux at 120x36. Each screen is captured with
# its colours (tmux capture-pane -e), turned into HTML by aha and into a PNG
# by headless chromium.
#
#   scripts/screenshots.sh            # builds --release first
#   PLUMB_BIN=target/debug/plumb scripts/screenshots.sh
#
# Writes screenshots/{list,app-tree,diff,history,sync-modal,help}.png.
set -euo pipefail
cd "$(dirname "$0")/.."

cols=120
rows=36
out=screenshots

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v aha >/dev/null 2>&1 || need+=(aha)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "screenshots.sh: missing ${need[*]} (apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" fonts-dejavu-core
fi

bin=${PLUMB_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release
  bin=target/release/plumb
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
# Real helm (the demo's chart) and kubectl (the drift), as the tests use them.
PATH="$(scripts/tools.sh):$PATH"
export PATH

work=$(mktemp -d)
sock=$work/tmux.sock
cleanup() {
  tmux -S "$sock" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/home" "$out"
tmux -S "$sock" -f /dev/null new-session -d -s shot -x "$cols" -y "$rows" \
  "env -u KUBECONFIG USER=ana PLUMB_HOME='$work/home' HOME='$work/home' '$bin'"

screen() { tmux -S "$sock" capture-pane -p -t shot; }
keys() { tmux -S "$sock" send-keys -t shot "$@"; }
text() { tmux -S "$sock" send-keys -t shot -l "$1"; }

# Waits up to $2 seconds (default 30) for a fixed string on screen.
wait_for() {
  local deadline=$((SECONDS + ${2:-30}))
  until screen | grep -qF -- "$1"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "screenshots.sh: waited for '$1'; the screen:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.2
  done
}

# The capture as a PNG: ANSI → HTML (aha) → PNG (chromium).
shot() {
  local name=$1
  sleep 0.5 # let the frame settle
  tmux -S "$sock" capture-pane -e -p -t shot >"$work/$name.ans"
  {
    cat <<HTML
<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: #1d1f21; }
pre { margin: 0; padding: 12px; color: #d8d8d8; background: #1d1f21;
      font: 14px/16px "DejaVu Sans Mono", monospace; white-space: pre; }
</style></head><body><pre>
HTML
    aha --no-header --black <"$work/$name.ans"
    echo '</pre></body></html>'
  } >"$work/$name.html"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --force-device-scale-factor=2 --user-data-dir="$(mktemp -d -p "$work")" \
    --screenshot="$PWD/$out/$name.png" --window-size=1040,600 \
    "file://$work/$name.html" >/dev/null 2>&1
  echo "$out/$name.png"
}

# Waits up to $2 seconds for a screen that matches the extended regex $1.
wait_match() {
  local deadline=$((SECONDS + $2))
  until screen | grep -qE -- "$1"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "screenshots.sh: waited for /$1/; the screen:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.3
  done
}

# Waits until no operation is running anywhere in the list.
wait_idle() {
  local deadline=$((SECONDS + $1))
  while screen | grep -qF "Running"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "screenshots.sh: operations still running; the screen:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.3
  done
}

# The seeds' payments incident: the fleet after its automated syncs.
wait_for "Applications (" 60
wait_match "^ *payments +payments +Synced +Healthy" 120
wait_idle 120
shot list

# The health tree of payments, the Deployment unfolded to its pods.
text ":app payments"
keys Enter
wait_for "root ▸ payments"
wait_for "Deployment payments"
keys j l
wait_for "ReplicaSet"
keys j l
wait_for "Pod"
shot app-tree

# Freeze it for the incident, then scale it behind plumb's back: the drift
# stays and the diff pane names who made it.
keys F
wait_for "Freeze payments"
text "incident 4711: holding 5 replicas"
keys Enter
wait_match "[Ff]rozen" 10
kubectl --kubeconfig "$work/home/data/sandbox/kubeconfig" \
  scale -n payments deployment/payments --replicas=5 >/dev/null
wait_match "^OutOfSync" 60
keys Tab
wait_for "replicas"
shot diff

keys Tab
wait_for "#0"
shot history

# The sync modal: the plan that would revert the drift.
keys BTab BTab s
wait_for "Sync payments"
shot sync-modal

keys Escape Escape '?'
wait_for "── list view"
shot help

keys Escape q
