#!/usr/bin/env bash
# Three Glovebox gateways on one PostgreSQL behind HAProxy, in the foreground; Ctrl-C stops them all.
# docs/deploy.md explains what the replicas share. Needs a built checkout (npm ci && npm run build),
# haproxy (apt-get install haproxy) and a PostgreSQL the gateways can create a schema in.
#
#   GLOVEBOX_STORE        postgres://…?schema=NAME       (default: local postgres, schema glovebox_deploy)
#   GLOVEBOX_DEPLOY_DIR   data directories, logs, pids   (default: .glovebox/deploy in the checkout)
#   GLOVEBOX_DEPLOY_PORT  HAProxy's port; the gateways listen on the next three (default 7350)
#   GLOVEBOX_DEPLOY_CONFIG the `glovebox server --config` file every replica reads (default gateway.yaml)
#   GLOVEBOX_POLICIES     policy directory (default examples/policies)
#   GLOVEBOX_MASTER_KEY   the key every replica shares (default: created once in the deploy dir)
#   GLOVEBOX_BOOTSTRAP_TOKEN the admin's API token on an empty store (default: created likewise)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run=${GLOVEBOX_DEPLOY_DIR:-$root/.glovebox/deploy}
store=${GLOVEBOX_STORE:-postgres://postgres@127.0.0.1:5432/postgres?schema=glovebox_deploy}
policies=${GLOVEBOX_POLICIES:-$root/examples/policies}
base=${GLOVEBOX_DEPLOY_PORT:-7350}
config=${GLOVEBOX_DEPLOY_CONFIG:-$here/gateway.yaml}
host=127.0.0.1
gateway=$root/apps/gateway/dist/main.js # the program `glovebox server` runs
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)

[ -f "$gateway" ] || { echo "start.sh: build the checkout first (npm ci && npm run build)" >&2; exit 2; }
[ -x "$haproxy" ] || { echo "start.sh: haproxy is not installed (apt-get install haproxy)" >&2; exit 2; }
mkdir -p "$run"
chmod 700 "$run"

# One master key for every replica: the keys they share (envelope signing, relay) are sealed with it
# in the store. A replica given another key refuses to start.
if [ -z "${GLOVEBOX_MASTER_KEY:-}" ]; then
  [ -f "$run/master.key" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$run/master.key")
  GLOVEBOX_MASTER_KEY=$(cat "$run/master.key")
fi
token_hint="\$GLOVEBOX_BOOTSTRAP_TOKEN"
if [ -z "${GLOVEBOX_BOOTSTRAP_TOKEN:-}" ]; then
  token_hint="\$(cat $run/admin.token)"
  [ -f "$run/admin.token" ] ||
    (umask 077 && echo "gbx_t_$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" >"$run/admin.token")
  GLOVEBOX_BOOTSTRAP_TOKEN=$(cat "$run/admin.token")
fi
export GLOVEBOX_MASTER_KEY GLOVEBOX_BOOTSTRAP_TOKEN

pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 0' INT TERM

ready() {
  local deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null "http://$1/readyz" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "start.sh: $1 did not become ready (see $run/*.log)" >&2; exit 1; }
    sleep 0.2
  done
}

# Started at once on an empty store: one replica migrates and seeds it, the others wait for it.
for i in 1 2 3; do
  port=$((base + i))
  GLOVEBOX_REPLICA_NAME=gw$i GLOVEBOX_REPLICA_URL=http://$host:$port \
    node "$gateway" --data "$run/gw$i" --policies "$policies" --store "$store" \
    --listen "$host:$port" --config "$config" >>"$run/gw$i.log" 2>&1 &
  pids+=($!)
  echo $! >"$run/gw$i.pid"
done
for i in 1 2 3; do ready "$host:$((base + i))"; done

GLOVEBOX_LB_LISTEN=$host:$base GLOVEBOX_GW1=$host:$((base + 1)) GLOVEBOX_GW2=$host:$((base + 2)) \
  GLOVEBOX_GW3=$host:$((base + 3)) "$haproxy" -db -f "$here/haproxy.cfg" 2>>"$run/haproxy.log" &
pids+=($!)
echo $! >"$run/haproxy.pid"
ready "$host:$base"

cat <<EOF
Glovebox on http://$host:$base: three replicas (gw1..gw3 on ports $((base + 1))-$((base + 3))) behind HAProxy.
Logs and pids in $run. Use it with:
  export GLOVEBOX_URL=http://$host:$base GLOVEBOX_TOKEN=$token_hint
EOF
wait
