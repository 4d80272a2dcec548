#!/usr/bin/env bash
# Runs a command with a container engine at hand, for the @container tests: the one named by
# DOCKER_HOST if it answers, else a dockerd started here (as TOOLCHAIN.md describes: its own
# socket and folders, no iptables, no bridge; images kept in ~/.cache/c8y-hil/docker between runs)
# and stopped by its PID afterwards. Without dockerd, or without root, the command runs without
# an engine and the @container tests report themselves skipped with the reason.
set -uo pipefail
started=""
if [ -z "${DOCKER_HOST:-}" ] && command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  dir="${C8Y_HIL_DOCKER_DIR:-$HOME/.cache/c8y-hil/docker}"
  run="$(mktemp -d /tmp/c8y-hil-dockerd.XXXXXX)"
  mkdir -p "$dir"
  dockerd -H "unix://$run/docker.sock" --data-root "$dir" --exec-root "$run/exec" --pidfile "$run/pid" \
    --iptables=false --ip-forward=false --bridge=none >"$run/dockerd.log" 2>&1 &
  started=$!
  for _ in $(seq 1 100); do [ -S "$run/docker.sock" ] && break; sleep 0.1; done
  export DOCKER_HOST="unix://$run/docker.sock"
  echo "with-container-engine: dockerd (pid $started) on $DOCKER_HOST"
fi
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
"$@"
status=$?
if [ -n "$started" ]; then
  kill "$started" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$started" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$started" 2>/dev/null
fi
exit $status
