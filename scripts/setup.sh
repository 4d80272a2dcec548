#!/usr/bin/env bash
# Installs what c8y-hil's tests need on a fresh Debian machine with Node 20: the npm packages
# from the lockfile and the Debian packages listed below (skipped when already there).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use, as "command:package": socat makes the pseudo-terminal pairs the
# emulated device runs on; chromium renders reports and runs the browser device; docker.io is
# the container engine the @container tests start (scripts/with-container-engine.sh); ser2net
# serves a console over TCP for the tcp driver's tests; redis-server keeps sessions that outlive a
# broker restart and holds the leases of a shared lab; mosquitto is the benchmarks' reference broker.
NEEDED=("socat:socat" "chromium:chromium" "dockerd:docker.io" "ser2net:ser2net" "redis-server:redis-server"
  "mosquitto:mosquitto")
missing=()
for pair in "${NEEDED[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || missing+=("${pair#*:}")
done
# paho (Debian's, for /usr/bin/python3) is an MQTT client nobody here wrote: the audit test drives it
/usr/bin/python3 -c 'import paho.mqtt.client' >/dev/null 2>&1 || missing+=("python3-paho-mqtt")
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update
  $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
