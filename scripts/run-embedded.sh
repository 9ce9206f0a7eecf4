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

# The sample job (examples/hello-job): built, uploaded, run once on the
# local engine, its logs printed. Skip with ROUNDHOUSE_SAMPLE_JOB=0.
sample_job() {
  export ROUNDHOUSE_SERVER="http://$HTTP" ROUNDHOUSE_TOKEN
  ROUNDHOUSE_TOKEN=$(cat "$DATA/bootstrap-token")
  local engine_id ws_id art task exec_id
  engine_id=$(tr ',' '\n' < "$ENGINE_DATA/identity.json" | sed -n 's/.*"engineId": *"\([^"]*\)".*/\1/p')
  [ -n "$engine_id" ] || return 1
  for _ in $(seq 1 100); do
    api "http://$HTTP/processing/runtimes/remote-engines/$engine_id" 2>/dev/null | grep -q '"availability":"AVAILABLE"' && break
    sleep 0.1
  done
  env_id=$(api "http://$HTTP/orchestration/environments?name=default" | sed -n 's/^\[{"id":"\([0-9a-f]*\)".*/\1/p')
  ws_id=$(api "http://$HTTP/orchestration/workspaces?environmentId=$env_id" | tr '{' '\n' | grep '"type":"SHARED"' | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
  "$BIN/roundhouse" artifact build examples/hello-job -o "$DATA/hello-job-1.0.0.tar.gz" >/dev/null
  art=$("$BIN/roundhouse" artifact upload "$DATA/hello-job-1.0.0.tar.gz" --json 2>/dev/null | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -1)
  if [ -z "$art" ]; then # uploaded on an earlier run
    art=$(api "http://$HTTP/orchestration/artifacts?name=hello-job" | sed -n 's/^\[{"id":"\([^"]*\)".*/\1/p')
  fi
  [ -n "$ws_id" ] && [ -n "$art" ] || return 1
  task=$("$BIN/roundhouse" tasks create "hello-$(date +%s)" --workspace "$ws_id" --artifact "$art" --version 1.0.0 \
         --engine "$engine_id" --log-level INFO)
  [ -n "$task" ] || return 1
  exec_id=$("$BIN/roundhouse" tasks run "$task" --param GREETING=Roundhouse)
  [ -n "$exec_id" ] || return 1
  echo
  echo "  Sample job: execution $exec_id on the local engine; its logs:"
  "$BIN/roundhouse" executions logs "$exec_id" -f | sed 's/^/    /'
  echo "  Its final state: $("$BIN/roundhouse" executions get "$exec_id" --json | sed -n 's/.*"executionStatus": *"\([^"]*\)".*/\1/p')"
  echo "  In the console:  http://$HTTP/console/executions/$exec_id"
}
if [ "${ROUNDHOUSE_SAMPLE_JOB:-1}" != 0 ]; then
  sample_job || echo "run: the sample job did not complete; the control plane and engine keep running" >&2
fi

cat <<MSG

  Roundhouse control plane is up.
    Console:      http://$HTTP/console/
                  sign in with "Personal access token" and paste the admin token:
                  cat $DATA/bootstrap-token
    API:          http://$HTTP        (health: http://$HTTP/health, metrics: /metrics)
    data dir:     $DATA
    admin token:  $DATA/bootstrap-token
    local engine: $ENGINE_DATA (status: $BIN/roundhouse-engine status --data-dir $ENGINE_DATA)

  Try it:
    export ROUNDHOUSE_TOKEN=\$(cat $DATA/bootstrap-token)
    $BIN/roundhouse env ls
    $BIN/roundhouse env create staging
    $BIN/roundhouse executions ls
    $BIN/roundhouse tasks set-engine hello-job local-engine    # the task the sample's upload created
    $BIN/roundhouse tasks run hello-job --param GREETING=you

  Stop with Ctrl-C (state is kept in $DATA).

MSG
wait $server
