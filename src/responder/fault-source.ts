// Fault injection as a StatusSource layer: wraps a CA's chain (or the whole router) and, by the
// current mode, answers wrongly, late, not at all, or asks the inner source for a bent answer.
// Transport modes that need the socket (down closing a port) are carried out by the Responder;
// here they become the nearest per-request equivalent.

import { generateKeyPairSync } from 'node:crypto';
import { ERROR_RESPONSES, type ResponseSigner } from '../ocsp/response.js';
import { createSigner } from '../ocsp/signer.js';
import { parseCertificate } from '../ocsp/cert.js';
import { signCertificate } from '../ca/x509.js';
import { commonName, encodeName } from '../ca/name.js';
import { encodeExtensions, keyIdentifier, EKU, KU } from '../ca/extensions.js';
import { publicKeyBits } from '../ca/keys.js';
import type { Mode } from './modes.js';
import { formatMode } from './modes.js';
import type { Query, Reply, StatusSource, Tweaks } from './source.js';

const HOUR = 3_600_000;

let rogue: ResponseSigner | undefined;
/** A responder certificate and key that no CA ever authorised (self-signed, OCSPSigning). */
function rogueSigner(): ResponseSigner {
  if (rogue) return rogue;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const name = encodeName(commonName('ocsplab rogue responder'));
  const now = Date.now();
  const der = signCertificate(
    {
      serial: BigInt(now),
      issuer: name,
      subject: name,
      notBefore: new Date(now - HOUR),
      notAfter: new Date(now + 365 * 24 * HOUR),
      spki,
      extensions: encodeExtensions({ ca: false, keyUsage: [KU.digitalSignature], extKeyUsage: [EKU.ocspSigning], subjectKeyId: keyIdentifier(publicKeyBits(spki)) }),
    },
    privateKey,
  );
  const cert = parseCertificate(der);
  rogue = createSigner(cert, privateKey, { certs: [cert] });
  return rogue;
}

function corrupt(own: ResponseSigner): ResponseSigner {
  return {
    ...own,
    sign: async (tbs) => {
      const sig = Buffer.from(await own.sign(tbs));
      sig[sig.length - 1] ^= 0xff; // as openssl -badsig: the structure stays valid
      return sig;
    },
  };
}

/** The inner-source adjustments for each content fault. */
function tweaksFor(m: Mode): Tweaks | undefined {
  switch (m.kind) {
    case 'status':
      return { forceStatus: m.status };
    case 'bad-signature':
      return { signer: corrupt };
    case 'wrong-signer':
      return { signer: rogueSigner };
    case 'stale':
      return { thisUpdateShift: -2 * HOUR, nextUpdateIn: -HOUR };
    case 'future':
      return { thisUpdateShift: HOUR };
    case 'no-nonce':
      return { nonce: 'omit' };
    case 'wrong-nonce':
      return { nonce: 'wrong' };
    case 'no-certs':
      return { noCerts: true };
    case 'wrong-serial':
      return { wrongSerial: true };
    default:
      return undefined;
  }
}

function garbage(): Buffer {
  // Starts with a byte that can never open an OCSPResponse SEQUENCE.
  return Buffer.from('<html><body>ocsplab garbage mode: this is not DER</body></html>\n');
}

export class FaultSource implements StatusSource {
  constructor(
    private readonly inner: StatusSource,
    private readonly mode: () => Mode,
    private readonly ca?: string,
  ) {}

  answer(q: Query): Reply | Promise<Reply> {
    const m = this.mode();
    // The common case stays synchronous: no promise per layer on the hot path.
    if (m.kind === 'up') return this.inner.answer(q);
    return this.faulty(q, m);
  }

  private async faulty(q: Query, m: Exclude<Mode, { kind: 'up' }>): Promise<Reply> {
    q.modes?.push(`${this.ca ? `${this.ca}:` : ''}${formatMode(m)}`);
    const ca = this.ca;
    switch (m.kind) {
      case 'down':
        return { kind: 'drop', ca };
      case 'blackhole':
        return { kind: 'hang', ca };
      case 'slow':
        await new Promise((r) => setTimeout(r, m.ms));
        // Later than the turn it was read in: the index must be checked afresh.
        return this.inner.answer({ ...q, turn: undefined });
      case 'http-error':
        return { kind: 'http', code: m.code, body: Buffer.alloc(0), ca, note: formatMode(m) };
      case 'garbage':
        return { kind: 'http', code: 200, body: garbage(), ca, note: 'garbage' };
      case 'empty':
        return { kind: 'http', code: 200, body: Buffer.alloc(0), ca, note: 'empty' };
      case 'tryLater':
      case 'internalError':
      case 'unauthorized':
      case 'sigRequired':
      case 'malformedRequest':
        return { kind: 'ocsp', der: ERROR_RESPONSES[m.kind], status: m.kind, ca };
      default:
        return this.inner.answer({ ...q, tweaks: { ...q.tweaks, ...tweaksFor(m) } });
    }
  }
}
