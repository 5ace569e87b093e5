// Which certificate of the partner's chain an AMQ9633/AMQ9716 entry is about. The log names it
// (the details insert: Subject, and in GSKit's form Issuer and serial; IBM technote 1081227) but
// never says whether it is the partner's own certificate or a CA certificate above it. GSKit checks
// every certificate in the chain but the root, so an intermediate CA revoked by its root, or one its
// root's responder does not know, fails the channel with the intermediate's details in the message
// (inferred: no IBM page shows such a log). The role is read from the log alone, best evidence
// first, and says what it rests on.

import type { MqLogEntry, Side } from '../mq/errlog.js';
import { detailsCertificate } from '../mq/inserts.js';

export type CertificateRole = 'leaf' | 'intermediate' | 'root';

export interface CertificateAbout {
  subject: string;
  issuer?: string;
  serial?: string;
  role: CertificateRole;
  /** What the role rests on: the log's own text, or only the certificate's name. */
  basis: string;
  /** One line for the report: whose certificate, which one, issued by whom. */
  plain: string;
}

/** Words a CA's name carries ("... Issuing CA", "Root CA", "Intermediate", "Certification Authority"). */
const CA_NAME = /\b(CA|Root|Issuing|Intermediate|Subordinate|Sub-?CA|Policy|Certification Authority|Certificate Authority|PKI)\b/i;

const sameDn = (a: string, b: string) => a.replace(/\s*,\s*/g, ',').toLowerCase() === b.replace(/\s*,\s*/g, ',').toLowerCase();

function commonName(dn: string): string | undefined {
  return /(?:^|,)\s*CN=([^,]*)/i.exec(dn)?.[1]?.trim();
}

/** The partner whose chain a side judged: a QM's entry is about the client's chain, and back. */
const partnerOf = (side: Side | undefined) => (side === 'qm' ? "the client's" : side === 'client' ? "the queue manager's" : "the partner's");

/** The certificate an entry is about, with its role in the chain; `others` are all entries read
 *  with it (both sides' logs), where another certificate may show this one as its issuer. */
export function certificateAbout(e: MqLogEntry, side: Side | undefined, others: readonly MqLogEntry[]): CertificateAbout | undefined {
  if (!e.certificateDetails) return undefined;
  const c = detailsCertificate(e.certificateDetails);
  if (!c) return undefined;
  let role: CertificateRole;
  let basis: string;
  const issued = others
    .map((o) => (o.certificateDetails ? detailsCertificate(o.certificateDetails) : undefined))
    .find((o) => o?.issuer && sameDn(o.issuer, c.subject) && !sameDn(o.subject, c.subject));
  if (c.issuer && sameDn(c.issuer, c.subject)) {
    role = 'root';
    basis = 'its issuer is its subject (self-signed), read from the log';
  } else if (issued) {
    role = 'intermediate';
    basis = `the log names a certificate it issued (${issued.subject}), read from the log`;
  } else if (CA_NAME.test(commonName(c.subject) ?? c.subject)) {
    role = 'intermediate';
    basis = "its name reads as a CA's (the log does not say; check the partner's chain)";
  } else {
    role = 'leaf';
    basis = "its name does not read as a CA's (the log does not say; check the partner's chain)";
  }
  const whose = partnerOf(side);
  const what =
    role === 'leaf' ? `${whose} own certificate` : role === 'intermediate' ? `an intermediate CA certificate in ${whose} chain, not ${whose} own certificate` : `a root CA certificate in ${whose} chain`;
  const from = [c.serial ? `serial ${c.serial}` : '', c.issuer && role !== 'root' ? `issued by ${c.issuer}` : ''].filter(Boolean).join(', ');
  const out: CertificateAbout = { subject: c.subject, role, basis, plain: `${what}: ${c.subject}${from ? ` (${from})` : ''}` };
  if (c.issuer) out.issuer = c.issuer;
  if (c.serial) out.serial = c.serial;
  return out;
}
