// Turns an expected message from the outcome table into concrete inserts, so that the emulator
// writes (and tests reproduce) certificate details in the form the logging library would use:
// GSKit's [Class=]... record, OpenSSL's /C=.../CN=... DN, its 'was revoked by AUTHINFO URL' text,
// or the received-alert text. detailsForm reads the form back from a logged text (for matchRows).

import type { MessageInserts } from './catalog.js';
import type { DetailsForm, ExpectedMessage } from './outcomes.js';

export interface PeerCertificate {
  /** Subject and issuer in RFC 4514 order as GSKit prints them: CN=...,O=...,C=... */
  subject: string;
  issuer: string;
  /** Serial as hex, e.g. '01'. */
  serial: string;
}

export interface RenderContext {
  channel?: string;
  host?: string;
  peer?: PeerCertificate;
  /** OCSP URL the checker used (AUTHINFO OCSPURL or MQAIR OCSPResponderURL). */
  ocspUrl?: string;
  cipherSpec?: string;
}

/** CN=a,O=b,C=c -> /C=c/O=b/CN=a, the order OpenSSL's one-line form prints. */
export function opensslDn(dn: string): string {
  const parts = dn.split(/,(?=\s*[A-Za-z]+=)/).map((p) => p.trim());
  return '/' + parts.reverse().join('/');
}

/** /C=c/O=b/CN=a -> CN=a,O=b,C=c: the reverse of opensslDn. */
export function gskitDn(slashed: string): string {
  return slashed
    .split(/\/(?=[A-Za-z.0-9]+=)/)
    .filter(Boolean)
    .reverse()
    .join(',');
}

export function detailsText(form: DetailsForm, ctx: RenderContext): string {
  const peer = ctx.peer ?? { subject: 'CN=unknown', issuer: 'CN=unknown', serial: '00' };
  switch (form) {
    case 'gskit-cert':
      return `[Class=]GSKVALMethod::X509[Issuer=]${peer.issuer}[#=]${peer.serial}[Subject=]${peer.subject}`;
    case 'openssl-dn':
      return opensslDn(peer.subject);
    case 'openssl-revoked-by-url':
      return `Certificate ${opensslDn(peer.subject)} was revoked by AUTHINFO URL ${ctx.ocspUrl ?? ''}`;
    case 'openssl-alert-bad-certificate':
      return 'sslv3 alert bad certificate';
  }
}

/** The certificate a logged certificate-details insert names (IBM technote 1081227: the Issuer,
 *  serial and Subject of the certificate that was rejected), subject and issuer in GSKit's
 *  CN=...,O=... order whatever form the log used; undefined for an alert text, which names none. */
export function detailsCertificate(details: string): { subject: string; issuer?: string; serial?: string; url?: string } | undefined {
  const g = /\[Issuer=\](.*?)\[#=\](.*?)\[Subject=\](.*)$/.exec(details);
  if (g) return { subject: g[3]!.trim(), issuer: g[1]!.trim(), serial: g[2]!.trim() };
  const r = /^Certificate\s+(\/.+?)\s+was revoked by AUTHINFO URL\s*(\S*)/i.exec(details.trim());
  if (r) return { subject: gskitDn(r[1]!), ...(r[2] ? { url: r[2] } : {}) };
  if (/^\/[A-Za-z]+=/.test(details.trim())) return { subject: gskitDn(details.trim()) };
  return undefined;
}

/** The reverse of detailsText: which form a logged certificate-details insert is in. */
export function detailsForm(details: string): DetailsForm {
  if (/GSKVALMethod|\[Class=\]/.test(details)) return 'gskit-cert';
  if (/alert bad certificate/i.test(details)) return 'openssl-alert-bad-certificate';
  if (/was revoked by/i.test(details)) return 'openssl-revoked-by-url';
  return 'openssl-dn';
}

export function insertsFor(msg: ExpectedMessage, ctx: RenderContext): MessageInserts {
  const ins: MessageInserts = {};
  if (ctx.channel !== undefined) ins.channel = ctx.channel;
  if (ctx.host !== undefined) ins.host = ctx.host;
  if (ctx.cipherSpec !== undefined) ins.cipherSpec = ctx.cipherSpec;
  if (msg.validationError !== undefined) ins.validationError = msg.validationError;
  if (msg.details) ins.details = detailsText(msg.details, ctx);
  else if (ctx.peer) ins.details = detailsText('gskit-cert', ctx);
  if (msg.cipherError) ins.cipherError = msg.cipherError;
  if (msg.cause) ins.cause = msg.cause;
  return ins;
}
