#!/bin/sh
# ldap: OpenLDAP's slapd (Debian's package) holding each CA's CRL where IBM MQ's
# AUTHINFO AUTHTYPE(CRLLDAP) CONNAME('ldap(389)') looks for it: the attribute
# certificateRevocationList;binary of the entry named by the issuer DN, under o=ocsplab lab.
# ldap-publish keeps those entries current from the responders' /crl/<ca>.crl.
# slapd.conf comes from ocsplab's own writer (src/ldap/slapd.ts, as the emulator's lab server):
# core and cosine schema, one mdb database, cn=admin,<suffix> may write, anyone may read (MQ binds
# anonymously). The root password stays in its file (lab-init writes it); slapd.conf holds only
# its {SSHA} hash, and nothing secret is in argv or the environment.
# LDAP_HOST / LDAP_PORT (default 0.0.0.0:389) narrow the bind, e.g. to 127.0.0.1 on a host.
set -eu
LAB=${LAB:-/lab}
export LDAP_DIR="${LDAP_DIR:-/ldap}"
export LDAP_SUFFIX="${LDAP_SUFFIX:-o=ocsplab lab}"
export LDAP_PASSWORD_FILE="${LDAP_PASSWORD_FILE:-$LAB/ldap-password}"
if [ ! -s "$LDAP_PASSWORD_FILE" ]; then
  echo "ldap: $LDAP_PASSWORD_FILE is missing or empty (lab-init writes it); refusing to start slapd without a root password" >&2
  exit 2
fi
node "$(dirname "$0")/ldap-conf.mjs"
LISTEN="ldap://${LDAP_HOST:-0.0.0.0}:${LDAP_PORT:-389}/"
echo "ldap: slapd for $LDAP_SUFFIX on $LISTEN (writer cn=admin,$LDAP_SUFFIX)"
# -d keeps slapd in the foreground (PID 1 of the container; it ends on SIGTERM); level "none"
# prints only what slapd always logs.
exec "${SLAPD:-/usr/sbin/slapd}" -f "$LDAP_DIR/slapd.conf" -h "$LISTEN" -d "${LDAP_DEBUG:-none}"
