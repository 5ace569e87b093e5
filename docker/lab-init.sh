#!/bin/sh
# lab-init: the two-CA lab on the `lab` volume, with responder URLs that name the compose services,
# the queue manager's /etc/mqm on the `mq-etc` volume, an admin token for the responders and the
# LDAP server's root password (services ldap, ldap-publish; each read from its file, mode 600).
# Idempotent: `ocsplab ca lab` keeps an existing lab; the copies are refreshed each time.
# LAB_FORCE=1 regenerates the lab (new keys and certificates), e.g. after changing the URLs.
set -eu
LAB=${LAB:-/lab}
FORCE=
if [ "${LAB_FORCE:-0}" = 1 ]; then FORCE=--force; fi
ocsplab ca lab "$LAB" $FORCE \
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
chmod 600 "$LAB/admin-token" # umask only applies to new files
if [ ! -s "$LAB/ldap-password" ]; then
  node -e "process.stdout.write(require('crypto').randomBytes(24).toString('hex'))" > "$LAB/ldap-password"
fi
chmod 600 "$LAB/ldap-password"
# The mq image reads /etc/mqm/*.mqsc, *.ini and pki/ at start; a named volume cannot mount single
# files, so the whole folder is its own volume (`mq-etc`), replaced from the lab here: a file the
# lab no longer has (an old key repository) must not stay behind for the queue manager to read.
MQ_ETC=${MQ_ETC:-/mq-etc}
if [ -d "$MQ_ETC" ]; then
  umask 022
  find "$MQ_ETC" -mindepth 1 -delete
  cp -R "$LAB/mq/etc-mqm/." "$MQ_ETC/"
fi
echo "lab ready in $LAB"
