// What an MQ administrator should check next, keyed so that outcome rows can cite them and
// `ocsplab explain` can print them. Concrete MQ settings and commands, not general advice.

export const CHECKS = {
  'client-ocsp-url':
    "Client side: the responder for the queue manager's CA must answer from the client host. It " +
    'comes from MQAIR.OCSPResponderURL (needs MQAIR_VERSION_2, MQSCO.AuthInfoRecCount 1, ' +
    "MQCNO_VERSION_4) or, with OCSPCheckExtensions=YES, from the AIA URL in the QM's certificate.",
  'qm-ocsp-url':
    "Queue manager side: the responder for the client's CA must answer from the QM host: " +
    'DISPLAY AUTHINFO(*) AUTHTYPE(OCSP) OCSPURL, the namelist in DISPLAY QMGR SSLCRLNL, or the ' +
    "AIA URL in the client's certificate when OCSPCheckExtensions=YES.",
  'http-proxy':
    'If the responder is only reachable through a proxy: SSLHTTPProxyName in the SSL stanza ' +
    '(qm.ini or mqclient.ini), or MQSSLPROXY on a client.',
  'ocsp-timeout':
    'A firewalled responder makes the checker wait for its timeout before giving up (about 21 s ' +
    'in seed 003) while a stopped one is refused at once: a slow failure points at a firewall.',
  'responder-knows-cert':
    "The responder must know the certificate: an 'unknown' answer (wrong index, wrong CA, serial " +
    'not issued by it) counts as undetermined, not as good.',
  'responder-signer':
    'The OCSP response must be signed by the CA itself or by a delegated OCSP signing certificate ' +
    'that CA issued, and that CA must be in the checking side\'s key repository.',
  'ocsp-policy-client':
    'OCSPAuthentication in the SSL stanza of mqclient.ini: REQUIRED (the default) rejects an ' +
    'undetermined status, WARN logs and continues, OPTIONAL continues silently.',
  'ocsp-policy-qm':
    'OCSPAuthentication in the SSL stanza of qm.ini: REQUIRED (the default) rejects an ' +
    'undetermined status, WARN continues with a Channel SSL Warning event, OPTIONAL continues.',
  'channel-events':
    'With WARN, watch SYSTEM.ADMIN.CHANNEL.EVENT for MQRC_CHANNEL_SSL_WARNING (2552) with ' +
    'ReasonQualifier MQRQ_SSL_UNKNOWN_REVOCATION.',
  'revoked-cert':
    'The certificate really is revoked (check the CA database, e.g. index.txt); issue a new one, ' +
    'add it to the key repository under the expected label and REFRESH SECURITY TYPE(SSL).',
  sslcauth:
    'SSLCAUTH on the SVRCONN/RCVR channel: REQUIRED demands a client certificate; OPTIONAL only ' +
    'means none is required, a certificate that is sent anyway must still validate (a Java/WAS ' +
    'client sends its default certificate unless its client certificate alias is set to none).',
  'signer-chain':
    "The partner's signer chain (root and intermediates) must be in this side's key repository " +
    '(runmqakm -cert -add ... -label ...; runmqakm -cert -list), then REFRESH SECURITY TYPE(SSL).',
  'cert-label':
    'The certificate label: CERTLABL on the QM or channel, CertificateLabel in mqclient.ini or ' +
    'MQSCO, else ibmwebspheremq<qmgr or user> in lower case; list the repository to compare.',
  cipherspec:
    'SSLCIPH must agree on both channel definitions (or use ANY_TLS12_OR_HIGHER), and the ' +
    "certificate's key type must suit it (RSA CipherSpec with an RSA key, ECDSA with an EC key).",
  'server-connection-parms':
    'MQSERVER or ServerConnectionParms in mqclient.ini override the CCDT and cannot carry ' +
    'SSLCIPH; unset them. In a CCDT the first channel for the queue manager wins: check with ' +
    'DISPLAY CHSTATUS which channel was used.',
  'key-repository':
    'Client key repository: MQSSLKEYR (wins over SSLKeyRepository in mqclient.ini), path ' +
    'without .kdb, stash file present, readable by the application user.',
  'java-keystore':
    "Java client: the personal certificate must be in the keystore (not the truststore) under " +
    'the configured alias; the truststore needs the queue manager\'s CA.',
  'refresh-security':
    'After changing the key repository or SSL attributes run REFRESH SECURITY TYPE(SSL) (it ends ' +
    'running TLS channels) or restart the queue manager.',
  'crl-cdp-url':
    "The CRL Distribution Point URL in the partner's certificate must answer from this host " +
    '(openssl x509 -noout -ext crlDistributionPoints shows it; curl -sI it): it is only used with ' +
    'CDPCheckExtensions=YES in the SSL stanza of qm.ini or mqclient.ini.',
  'crl-next-update':
    "A CRL past its nextUpdate (or before its thisUpdate) is not used: openssl crl -noout " +
    '-lastupdate -nextupdate on the published CRL; the CA must publish a new one before nextUpdate.',
  'crl-signer':
    "The CRL must be issued and signed by the certificate's own CA (openssl crl -CAfile ca.pem " +
    '-noout says verify OK), and that CA must be in the key repository.',
  'ldap-entry-dn':
    "The LDAP server must hold the CRL in certificateRevocationList;binary of the entry named by " +
    "the issuer's DN exactly: ldapsearch -x -H ldap://HOST:PORT -b 'CN=...,O=...' -s base " +
    "'certificateRevocationList;binary'.",
  'sslcrlnl-namelist':
    'DISPLAY QMGR SSLCRLNL, then DISPLAY NAMELIST(name) NAMES and DISPLAY AUTHINFO(*) AUTHTYPE ' +
    'CONNAME: every CRLLDAP object must name a reachable server (host(port), 389 by default), and ' +
    'at most one OCSP object may be listed. A client takes its LDAP servers from MQAIR records or ' +
    'the CCDT.',
  'crl-cache':
    'MQ keeps CRLs it fetched for up to 12 hours: after revoking, publishing a new CRL or changing ' +
    'the AUTHINFO objects run REFRESH SECURITY TYPE(SSL) on the queue manager (and restart client ' +
    'processes) before expecting the change to be seen.',
  'java-certstores':
    'Java/JMS client: CRLs come only from the CertStores given in sslCertStores / SSLCRL (a ' +
    'space-separated list of ldap:// URLs); OCSP only when enabled for the whole JVM.',
  'chain-intermediate':
    'The certificate named is an intermediate CA in the partner\'s chain: GSKit checks every ' +
    'certificate but the root, so the CA above it answers for it. Its serial must be known, and ' +
    "good, in that issuer's index / OCSP responder (the AIA URL in the intermediate's certificate, " +
    'or the AUTHINFO OCSPURL) or CRL; if it is revoked every certificate it issued is refused until ' +
    'the partner gets a chain under a good CA. openssl ocsp -issuer root.pem -cert intermediate.pem ' +
    '-url URL asks the same question.',
  'chain-root':
    'The certificate named is a root (self-signed): its revocation is never checked, so the failure ' +
    'is about trust or validity: openssl x509 -noout -dates on the root in the key repository ' +
    '(runmqakm -cert -details -label ...); replace an expired root in both key repositories, then ' +
    'REFRESH SECURITY TYPE(SSL).',
  'partner-log':
    "Read the other side's AMQERR01.LOG at the same time: the side that rejected logs the reason.",
} as const;

export type CheckId = keyof typeof CHECKS;
