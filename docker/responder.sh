#!/bin/sh
# One responder for one CA of the lab (seed 003: each CA has its own), bound to every interface of
# its container so the queue manager and the client reach it by service name. The admin API needs
# the token lab-init wrote; compose does not publish the admin port.
# OCSP_HOST / ADMIN_HOST (default 0.0.0.0) narrow the binds, e.g. to 127.0.0.1 when run on a host.
set -eu
LAB=${LAB:-/lab}
CA=${CA:?CA must be qm-ca or client-ca}
# Read before exec: a failed $(cat) inside exec's arguments would not stop the script (set -e), and
# an empty token on a loopback admin bind means no authentication at all.
TOKEN=$(cat "$LAB/admin-token")
[ -n "$TOKEN" ] || { echo "responder: $LAB/admin-token is empty; run lab-init first" >&2; exit 1; }
exec ocsplab ocsp --host "${OCSP_HOST:-0.0.0.0}" -port "${OCSP_PORT:?}" --workers 1 \
  --admin-host "${ADMIN_HOST:-0.0.0.0}" --admin-port "${ADMIN_PORT:-2570}" --admin-token "$TOKEN" \
  -index "$LAB/$CA/index.txt" -CA "$LAB/$CA/cacert.pem" \
  -rsigner "$LAB/$CA/ocsp/responder.pem" -rkey "$LAB/$CA/ocsp/responder.key.pem" --name "$CA"
