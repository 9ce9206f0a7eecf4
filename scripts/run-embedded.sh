#!/usr/bin/env bash
# `make run`: the embedded default. Starts a single-node control plane in
# ./roundhouse-data (bootstrapping it on first start) and keeps it in the
# foreground; Ctrl-C stops it gracefully. State survives restarts.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
DATA=${ROUNDHOUSE_DATA_DIR:-./roundhouse-data}
HTTP=${ROUNDHOUSE_HTTP_ADDR:-127.0.0.1:8080}
QUIC=${ROUNDHOUSE_QUIC_ADDR:-127.0.0.1:7443}
ENGINE_DATA=${ROUNDHOUSE_ENGINE_DATA_DIR:-$DATA/local-engine}

"$BIN/roundhouse" server --data-dir "$DATA" --http-addr "$HTTP" --quic-addr "$QUIC" &
server=$!
engine=
trap 'kill -TERM $engine $server 2>/dev/null; wait $engine $server 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "http://$HTTP/health" >/dev/null 2>&1 && [ -s "$DATA/bootstrap-token" ]; then break; fi
  if ! kill -0 $server 2>/dev/null; then echo "run: the control plane exited; see the lines above" >&2; exit 1; fi
  sleep 0.1
done

# One local engine paired to it, created and paired on the first run only.
api() { curl -fsS -H "Authorization: Bearer $(cat "$DATA/bootstrap-token")" -H 'Content-Type: application/json' "$@"; }
if [ ! -s "$ENGINE_DATA/identity.json" ]; then
  env_id=$(api "http://$HTTP/orchestration/environments?name=default" | sed -n 's/^\[{"id":"\([0-9a-f]*\)".*/\1/p')
  key=$(api -d "{\"name\":\"local-engine\",\"environmentId\":\"$env_id\"}" \
        "http://$HTTP/processing/runtimes/remote-engines" | sed -n 's/.*"preAuthorizedKey":"\([^"]*\)".*/\1/p')
  "$BIN/roundhouse-engine" pair --server "$QUIC" --key "$key" --data-dir "$ENGINE_DATA"
fi
"$BIN/roundhouse-engine" run --data-dir "$ENGINE_DATA" --log-level warn &
engine=$!

cat <<MSG

  Roundhouse control plane is up.
    API:          http://$HTTP        (health: http://$HTTP/health, metrics: /metrics)
    data dir:     $DATA
    admin token:  $DATA/bootstrap-token
    local engine: $ENGINE_DATA (status: $BIN/roundhouse-engine status --data-dir $ENGINE_DATA)

  Try it:
    export ROUNDHOUSE_TOKEN=\$(cat $DATA/bootstrap-token)
    $BIN/roundhouse env ls
    $BIN/roundhouse env create staging

  Stop with Ctrl-C (state is kept in $DATA).

MSG
wait $server
