// Responder modes for drills: the ways a real responder goes down or misbehaves, switchable at
// run time (after Mozilla's and Chromium's OCSP test servers, which go far beyond openssl -badsig).

export type ErrorStatusMode = 'tryLater' | 'internalError' | 'unauthorized' | 'sigRequired' | 'malformedRequest';
export type ContentFault = 'bad-signature' | 'wrong-signer' | 'stale' | 'future' | 'no-nonce' | 'wrong-nonce' | 'no-certs' | 'wrong-serial';

/**
 * Faults of a CA's CRL, held beside its OCSP mode (one of each at a time): the CRL endpoint on the
 * responder's port, and the LDAP server the lab publishes to. `crl-up` clears only these.
 */
export type CrlFault =
  | 'crl-up'
  /** The CRL request's connection is dropped (the port is shared with OCSP, so it cannot be closed). */
  | 'crl-down'
  | 'crl-blackhole'
  /** A correctly signed CRL whose nextUpdate has passed. */
  | 'crl-expired'
  /** A correctly signed CRL whose thisUpdate is a day ahead. */
  | 'crl-future'
  | 'crl-bad-signature'
  /** A CRL issued and signed by another CA. */
  | 'crl-wrong-issuer'
  /** 200 with bytes that are not a CRL. */
  | 'crl-garbage'
  /** The CRL from before the latest index change: a revocation not yet published. */
  | 'crl-stale'
  | 'ldap-down'
  /** LDAP server up, the CA's entry there without a CRL attribute. */
  | 'ldap-no-entry';

export const CRL_FAULTS: readonly CrlFault[] = ['crl-up', 'crl-down', 'crl-blackhole', 'crl-expired', 'crl-future', 'crl-bad-signature', 'crl-wrong-issuer', 'crl-garbage', 'crl-stale', 'ldap-down', 'ldap-no-entry'];

export type Mode =
  | { kind: 'up' }
  | { kind: CrlFault }
  /** Port closed: connection refused. */
  | { kind: 'down' }
  /** Accepts TCP, never answers. */
  | { kind: 'blackhole' }
  | { kind: 'slow'; ms: number }
  | { kind: 'http-error'; code: number }
  /** 200 with bytes that are not DER. */
  | { kind: 'garbage' }
  /** 200 with an empty body. */
  | { kind: 'empty' }
  | { kind: ErrorStatusMode }
  | { kind: 'status'; status: 'good' | 'revoked' | 'unknown' }
  | { kind: ContentFault };

export const ERROR_STATUS_MODES: readonly ErrorStatusMode[] = ['tryLater', 'internalError', 'unauthorized', 'sigRequired', 'malformedRequest'];
export const CONTENT_FAULTS: readonly ContentFault[] = ['bad-signature', 'wrong-signer', 'stale', 'future', 'no-nonce', 'wrong-nonce', 'no-certs', 'wrong-serial'];
const SIMPLE = ['up', 'down', 'blackhole', 'garbage', 'empty', ...ERROR_STATUS_MODES, ...CONTENT_FAULTS, ...CRL_FAULTS];

export const MODE_HELP = `modes: up | down | blackhole | slow <ms> | http-error <code> | garbage | empty
       | tryLater | internalError | unauthorized | sigRequired | malformedRequest
       | status good|revoked|unknown
       | bad-signature | wrong-signer | stale | future | no-nonce | wrong-nonce | no-certs | wrong-serial
CRL modes (held beside the OCSP mode; "up" clears both, "crl-up" the CRL one):
       crl-down | crl-blackhole | crl-expired | crl-future | crl-bad-signature | crl-wrong-issuer
       | crl-garbage | crl-stale | ldap-down | ldap-no-entry | crl-up`;

/** The CRL fault an HTTP CRL fetch meets under mode `m` (crl-*, not crl-up, not the LDAP ones). */
export function crlHttpFault(m: Mode): Exclude<CrlFault, 'crl-up' | 'ldap-down' | 'ldap-no-entry'> | undefined {
  return m.kind.startsWith('crl-') && m.kind !== 'crl-up' ? (m.kind as Exclude<CrlFault, 'crl-up' | 'ldap-down' | 'ldap-no-entry'>) : undefined;
}

/** The LDAP fault under mode `m`: not the responder's to act out (it serves HTTP), but what the
 *  lab's LDAP publisher reads from the CRL response's LDAP_MODE_HEADER and does to the entry. */
export function ldapFault(m: Mode): 'ldap-down' | 'ldap-no-entry' | undefined {
  return m.kind === 'ldap-down' || m.kind === 'ldap-no-entry' ? m.kind : undefined;
}

/** Response header naming a CA's LDAP fault, for a publisher that copies the CRL into LDAP. */
export const LDAP_MODE_HEADER = 'ocsplab-ldap-mode';

/** True for the modes that apply to a CA's CRLs rather than its OCSP answers. */
export function isCrlMode(m: Mode): m is { kind: CrlFault } {
  return (CRL_FAULTS as readonly string[]).includes(m.kind);
}

export class ModeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModeError';
  }
}

/** True when `word` starts a mode (used by `ctl` to tell a CA name from a mode). */
export function isModeWord(word: string): boolean {
  return SIMPLE.includes(word) || ['slow', 'http-error', 'status'].includes(word);
}

/** Parses "down", "slow 500", "http-error 503", "status revoked" (also "slow=500"). */
export function parseMode(text: string | string[]): Mode {
  const words = (Array.isArray(text) ? text.join(' ') : text).trim().split(/[\s=]+/).filter(Boolean);
  const [kind, arg, ...rest] = words;
  if (!kind) throw new ModeError(`no mode given\n${MODE_HELP}`);
  if (rest.length) throw new ModeError(`unexpected "${rest.join(' ')}" after mode ${kind}`);
  const num = (what: string, min: number, max: number) => {
    if (!arg || !/^\d+$/.test(arg) || Number(arg) < min || Number(arg) > max) throw new ModeError(`${kind} needs ${what} (${min}-${max})`);
    return Number(arg);
  };
  switch (kind) {
    case 'slow':
      return { kind, ms: num('a delay in ms', 0, 3_600_000) };
    case 'http-error':
      return { kind, code: num('an HTTP status code', 400, 599) };
    case 'status':
      if (arg !== 'good' && arg !== 'revoked' && arg !== 'unknown') throw new ModeError('status needs good, revoked or unknown');
      return { kind, status: arg };
    default:
      if (!SIMPLE.includes(kind)) throw new ModeError(`unknown mode "${kind}"\n${MODE_HELP}`);
      if (arg !== undefined) throw new ModeError(`mode ${kind} takes no argument`);
      return { kind } as Mode;
  }
}

/** Validates a mode given as an object (admin API, drill files). */
export function checkMode(m: unknown): Mode {
  if (typeof m === 'string') return parseMode(m);
  if (!m || typeof m !== 'object' || typeof (m as { kind?: unknown }).kind !== 'string') throw new ModeError('a mode is a string like "down" or an object with a kind');
  const o = m as Record<string, unknown>;
  const extra = o.kind === 'slow' ? o.ms : o.kind === 'http-error' ? o.code : o.kind === 'status' ? o.status : undefined;
  return parseMode(extra === undefined ? String(o.kind) : `${String(o.kind)} ${String(extra)}`);
}

export function formatMode(m: Mode): string {
  switch (m.kind) {
    case 'slow':
      return `slow ${m.ms}`;
    case 'http-error':
      return `http-error ${m.code}`;
    case 'status':
      return `status ${m.status}`;
    default:
      return m.kind;
  }
}

/** Every mode with what it does, in one line each (the console's picker, `GET /api/mode-kinds`). */
export interface ModeKind {
  /** The mode word; with `arg`, the mode is "word value". */
  kind: string;
  arg?: { name: string; values?: string[]; example: string };
  /** ocsp: the CA's OCSP answers; crl: its CRL (held beside the OCSP mode). */
  applies: 'ocsp' | 'crl';
  effect: string;
}

export const MODE_KINDS: readonly ModeKind[] = [
  { kind: 'up', applies: 'ocsp', effect: 'Answers from index.txt, signed as configured (clears the CRL mode too).' },
  { kind: 'down', applies: 'ocsp', effect: "The CA's port is closed: connections are refused, as with the responder stopped." },
  { kind: 'blackhole', applies: 'ocsp', effect: 'Connections are accepted and never answered: clients wait out their time-out.' },
  { kind: 'slow', arg: { name: 'ms', example: '1500' }, applies: 'ocsp', effect: 'Every answer is held back this many milliseconds.' },
  { kind: 'http-error', arg: { name: 'code', example: '503' }, applies: 'ocsp', effect: 'HTTP error status with no OCSP response.' },
  { kind: 'garbage', applies: 'ocsp', effect: '200 with bytes that are not DER.' },
  { kind: 'empty', applies: 'ocsp', effect: '200 with an empty body.' },
  { kind: 'tryLater', applies: 'ocsp', effect: 'OCSP response status tryLater (3), unsigned.' },
  { kind: 'internalError', applies: 'ocsp', effect: 'OCSP response status internalError (2), unsigned.' },
  { kind: 'unauthorized', applies: 'ocsp', effect: 'OCSP response status unauthorized (6), unsigned.' },
  { kind: 'sigRequired', applies: 'ocsp', effect: 'OCSP response status sigRequired (5), unsigned.' },
  { kind: 'malformedRequest', applies: 'ocsp', effect: 'OCSP response status malformedRequest (1), unsigned.' },
  { kind: 'status', arg: { name: 'status', values: ['good', 'revoked', 'unknown'], example: 'revoked' }, applies: 'ocsp', effect: 'Every certificate is answered with this status, whatever index.txt says.' },
  { kind: 'bad-signature', applies: 'ocsp', effect: 'A well-formed response whose signature does not verify (openssl -badsig).' },
  { kind: 'wrong-signer', applies: 'ocsp', effect: 'Signed by a responder certificate no CA authorised.' },
  { kind: 'stale', applies: 'ocsp', effect: 'thisUpdate two hours ago and nextUpdate an hour ago: an expired answer.' },
  { kind: 'future', applies: 'ocsp', effect: 'thisUpdate an hour ahead: an answer not yet valid.' },
  { kind: 'no-nonce', applies: 'ocsp', effect: "The request's nonce is left out of the answer." },
  { kind: 'wrong-nonce', applies: 'ocsp', effect: 'The answer carries a nonce other than the one asked.' },
  { kind: 'no-certs', applies: 'ocsp', effect: "The responder's certificate is left out (a delegated signer then cannot be checked)." },
  { kind: 'wrong-serial', applies: 'ocsp', effect: 'The answer is for the next serial, not the one asked.' },
  { kind: 'crl-up', applies: 'crl', effect: 'The CRL is served as built from the index (clears only the CRL mode).' },
  { kind: 'crl-down', applies: 'crl', effect: "CRL requests' connections are dropped (the port stays open for OCSP)." },
  { kind: 'crl-blackhole', applies: 'crl', effect: 'CRL requests are accepted and never answered.' },
  { kind: 'crl-expired', applies: 'crl', effect: 'A correctly signed CRL whose nextUpdate has passed.' },
  { kind: 'crl-future', applies: 'crl', effect: 'A correctly signed CRL whose thisUpdate is a day ahead.' },
  { kind: 'crl-bad-signature', applies: 'crl', effect: 'A CRL whose signature does not verify.' },
  { kind: 'crl-wrong-issuer', applies: 'crl', effect: 'A CRL issued and signed by another CA.' },
  { kind: 'crl-garbage', applies: 'crl', effect: '200 with bytes that are not a CRL.' },
  { kind: 'crl-stale', applies: 'crl', effect: 'The CRL from before the latest index change: a revocation not yet published.' },
  { kind: 'ldap-down', applies: 'crl', effect: "The lab's LDAP server is stopped (for every CA: one server holds all CRLs)." },
  { kind: 'ldap-no-entry', applies: 'crl', effect: "The CA's LDAP entry is left without a CRL attribute." },
];
