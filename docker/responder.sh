#!/bin/sh
# One responder for one CA of the lab (seed 003: each CA has its own), bound to every interface of
# its container so the queue manager and the client reach it by service name. The admin API needs
# the token lab-init wrote; compose does not publish the admin port.
# OCSP_HOST / ADMIN_HOST (default 0.0.0.0) narrow the binds, e.g. to 127.0.0.1 when run on a host.
# The same port serves the CA's CRL at /crl/$CA.crl (DER) and /crl/$CA.pem, the CRL Distribution
# Point of the lab's certificates: OCSP answers are signed by the delegated signer, so the CA key is
# passed as --crl-key to sign CRLs from index.txt (rebuilt when the index changes).
set -eu
LAB=${LAB:-/lab}
CA=${CA:?CA must be qm-ca or client-ca}
# The token stays in its file (not in argv, where `ps` shows it); ocsplab refuses a missing or
# empty file rather than open the admin API without authentication.
exec ocsplab ocsp --host "${OCSP_HOST:-0.0.0.0}" -port "${OCSP_PORT:?}" --workers 1 \
  --admin-host "${ADMIN_HOST:-0.0.0.0}" --admin-port "${ADMIN_PORT:-2570}" --admin-token-file "$LAB/admin-token" \
  -index "$LAB/$CA/index.txt" -CA "$LAB/$CA/cacert.pem" \
  -rsigner "$LAB/$CA/ocsp/responder.pem" -rkey "$LAB/$CA/ocsp/responder.key.pem" --name "$CA" \
  --crl-key "$LAB/$CA/private/cakey.pem"
