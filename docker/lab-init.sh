#!/bin/sh
# lab-init: the two-CA lab on the `lab` volume, with responder URLs that name the compose services,
# the queue manager's /etc/mqm on the `mq-etc` volume, and an admin token for the responders.
# Idempotent: `ocsplab ca lab` keeps an existing lab; the copies are refreshed each time.
set -eu
LAB=${LAB:-/lab}
ocsplab ca lab "$LAB" \
  --qm-ocsp-url "${QM_OCSP_URL:-http://ocsp-qm-ca:2560}" \
  --client-ocsp-url "${CLIENT_OCSP_URL:-http://ocsp-client-ca:2561}" \
  --qmgr "${MQ_QMGR_NAME:-QM1}" \
  --ocsp-authentication "${OCSP_AUTHENTICATION:-REQUIRED}"
umask 077
if [ -n "${OCSPLAB_ADMIN_TOKEN:-}" ]; then
  printf '%s' "$OCSPLAB_ADMIN_TOKEN" > "$LAB/admin-token"
elif [ ! -s "$LAB/admin-token" ]; then
  node -e "process.stdout.write(require('crypto').randomBytes(24).toString('hex'))" > "$LAB/admin-token"
fi
# The mq image reads /etc/mqm/*.mqsc, *.ini and pki/ at start; a named volume cannot mount single
# files, so the whole folder is its own volume (`mq-etc`), refreshed from the lab here.
if [ -d /mq-etc ]; then
  umask 022
  cp -R "$LAB/mq/etc-mqm/." /mq-etc/
fi
echo "lab ready in $LAB"
