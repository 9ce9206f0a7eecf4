#!/usr/bin/env bash
# `make run`: the embedded default. Starts a single-node control plane in
# ./roundhouse-data (bootstrapping it on first start) and keeps it in the
# foreground; Ctrl-C stops it gracefully. State survives restarts.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
DATA=${ROUNDHOUSE_DATA_DIR:-./roundhouse-data}
HTTP=${ROUNDHOUSE_HTTP_ADDR:-127.0.0.1:8080}

"$BIN/roundhouse" server --data-dir "$DATA" --http-addr "$HTTP" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "http://$HTTP/health" >/dev/null 2>&1 && [ -s "$DATA/bootstrap-token" ]; then break; fi
  if ! kill -0 $server 2>/dev/null; then echo "run: the control plane exited; see the lines above" >&2; exit 1; fi
  sleep 0.1
done

cat <<MSG

  Roundhouse control plane is up.
    API:          http://$HTTP        (health: http://$HTTP/health, metrics: /metrics)
    data dir:     $DATA
    admin token:  $DATA/bootstrap-token

  Try it:
    export ROUNDHOUSE_TOKEN=\$(cat $DATA/bootstrap-token)
    $BIN/roundhouse env ls
    $BIN/roundhouse env create staging

  Stop with Ctrl-C (state is kept in $DATA).

MSG
wait $server
