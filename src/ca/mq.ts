// Files an IBM MQ queue manager container (icr.io/ibm-messaging/mq) and an MQ client need for an
// OCSP drill, rendered from the lab. The container applies every /etc/mqm/*.mqsc and *.ini at each
// start, takes its key from /etc/mqm/pki/keys/<label>/{tls.key,tls.crt,ca.crt} and its trust from
// /etc/mqm/pki/trust/<n>/tls.crt (mq-container docs/usage.md; see ../shared/mq-outcomes.md).

export type OcspAuthentication = 'REQUIRED' | 'WARN' | 'OPTIONAL';

export interface MqNames {
  qmgr: string;
  channel: string;
  authinfo: string;
  namelist: string;
  /** AUTHINFO AUTHTYPE(CRLLDAP), and the namelist that adds it to the OCSP one. */
  crlAuthinfo: string;
  crlNamelist: string;
  /** Certificate labels: the key folder name on the QM side, the key repository label on the client. */
  qmLabel: string;
  clientLabel: string;
}

export const DEFAULT_MQ_NAMES: MqNames = {
  qmgr: 'QM1',
  channel: 'OCSPLAB.SVRCONN',
  authinfo: 'OCSPLAB.OCSP',
  namelist: 'OCSPLAB.REVOCATION',
  crlAuthinfo: 'OCSPLAB.CRL',
  crlNamelist: 'OCSPLAB.REVOCATION.CRL',
  qmLabel: 'qmcert',
  clientLabel: 'clientcert',
};

/**
 * The QM checks the *client's* certificate, so its AUTHINFO points at the client CA's responder.
 * SSLCAUTH(REQUIRED) makes the client present a certificate, so that check always happens.
 */
export function qmMqsc(n: MqNames, clientCaOcspUrl: string, ldapConname = 'ldap(389)'): string {
  return `* Written by ocsplab ca lab: OCSP revocation checking of client certificates.
DEFINE AUTHINFO('${n.authinfo}') AUTHTYPE(OCSP) OCSPURL('${clientCaOcspUrl}') REPLACE
DEFINE NAMELIST('${n.namelist}') NAMES('${n.authinfo}') REPLACE
* CRLs from the lab's LDAP server (the client CA's entry, certificateRevocationList;binary). Not in
* use by default, so the OCSP drill is unchanged: ALTER QMGR SSLCRLNL('${n.crlNamelist}') and
* REFRESH SECURITY TYPE(SSL) check CRLs after OCSP (IBM: OCSP AUTHINFO first, then CRLLDAP ones).
DEFINE AUTHINFO('${n.crlAuthinfo}') AUTHTYPE(CRLLDAP) CONNAME('${ldapConname}') REPLACE
DEFINE NAMELIST('${n.crlNamelist}') NAMES('${n.authinfo}','${n.crlAuthinfo}') REPLACE
ALTER QMGR SSLCRLNL('${n.namelist}') CERTLABL('${n.qmLabel}')
DEFINE CHANNEL('${n.channel}') CHLTYPE(SVRCONN) TRPTYPE(TCP) SSLCIPH('ANY_TLS12_OR_HIGHER') SSLCAUTH(REQUIRED) REPLACE
SET CHLAUTH('${n.channel}') TYPE(BLOCKUSER) USERLIST('nobody') ACTION(REPLACE)
REFRESH SECURITY TYPE(SSL)
`;
}

/** qm.ini SSL stanza: what an undetermined status does, and use of the AIA URL in certificates. */
export function qmIni(auth: OcspAuthentication): string {
  return `SSL:
   OCSPAuthentication=${auth}
   OCSPCheckExtensions=YES
`;
}

/**
 * mqclient.ini: the client checks the QM's certificate against the AIA URL in it (the QM CA's
 * responder). The key repository is the client's PKCS#12 file, which MQ 9.3+ clients read
 * directly (older clients need it converted to a .kdb with runmqakm).
 */
export function mqclientIni(o: { auth: OcspAuthentication; keyRepository: string; label: string; p12Password: string }): string {
  return `# Written by ocsplab ca lab. Point MQCLNTCF at this file.
SSL:
   ClientRevocationChecks=REQUIRED
   OCSPAuthentication=${o.auth}
   OCSPCheckExtensions=YES
   SSLKeyRepository=${o.keyRepository}
   SSLKeyRepositoryPassword=${o.p12Password}
   CertificateLabel=${o.label}
`;
}

export function checkOcspAuthentication(s: string | undefined): OcspAuthentication {
  const v = (s ?? 'REQUIRED').toUpperCase();
  if (v !== 'REQUIRED' && v !== 'WARN' && v !== 'OPTIONAL') throw new Error(`OCSPAuthentication must be REQUIRED, WARN or OPTIONAL, not ${JSON.stringify(s)}`);
  return v;
}
