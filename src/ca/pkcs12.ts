// PKCS#12 copies of lab keys for Java/JMS clients and MQ key repositories (MQ 9.3+ reads .p12),
// built with pkijs on Node's WebCrypto: AES-256-CBC / PBKDF2-SHA256 bags and a SHA-256 MAC, the
// same algorithms `openssl pkcs12 -export` uses by default in OpenSSL 3.

import { webcrypto, randomBytes, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

let engine: pkijs.CryptoEngine | undefined;
function cryptoEngine(): pkijs.CryptoEngine {
  engine ??= new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto });
  return engine;
}

const ITERATIONS = 2048;
const ab = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;

function attrs(friendlyName: string | undefined, localKeyId: Buffer | undefined): pkijs.Attribute[] {
  const out: pkijs.Attribute[] = [];
  if (friendlyName) out.push(new pkijs.Attribute({ type: '1.2.840.113549.1.9.20', values: [new asn1js.BmpString({ value: friendlyName })] }));
  if (localKeyId) out.push(new pkijs.Attribute({ type: '1.2.840.113549.1.9.21', values: [new asn1js.OctetString({ valueHex: ab(localKeyId) })] }));
  return out;
}

function certBag(der: Buffer, friendlyName?: string, localKeyId?: Buffer): pkijs.SafeBag {
  return new pkijs.SafeBag({
    bagId: '1.2.840.113549.1.12.10.1.3',
    bagValue: new pkijs.CertBag({ parsedValue: pkijs.Certificate.fromBER(ab(der)) }),
    bagAttributes: attrs(friendlyName, localKeyId),
  });
}

export interface Pkcs12Input {
  key: KeyObject;
  cert: Buffer;
  /** CA certificates to carry along (issuer chain and peer CAs to trust). */
  cas: Buffer[];
  password: string;
  /** Label the key and certificate are stored under (the MQ certificate label). */
  friendlyName: string;
}

export async function buildPkcs12(i: Pkcs12Input): Promise<Buffer> {
  const crypto = cryptoEngine();
  const password = ab(Buffer.from(i.password, 'utf8'));
  const localKeyId = randomBytes(20);
  const pkcs8 = i.key.export({ type: 'pkcs8', format: 'der' });
  const keyBag = new pkijs.SafeBag({
    bagId: '1.2.840.113549.1.12.10.1.2',
    bagValue: new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkijs.PrivateKeyInfo.fromBER(ab(pkcs8)) }),
    bagAttributes: attrs(i.friendlyName, localKeyId),
  });
  const enc = { password, contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 }, hmacHashAlgorithm: 'SHA-256', iterationCount: ITERATIONS };
  await (keyBag.bagValue as pkijs.PKCS8ShroudedKeyBag).makeInternalValues(enc as never, crypto);
  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: [certBag(i.cert, i.friendlyName, localKeyId), ...i.cas.map((c) => certBag(c))] }) },
            { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [keyBag] }) },
          ],
        },
      }),
    },
  });
  await pfx.parsedValue!.authenticatedSafe!.makeInternalValues({ safeContents: [enc, {}] } as never, crypto);
  await pfx.makeInternalValues({ password, iterations: ITERATIONS, pbkdf2HashAlgorithm: 'SHA-256', hmacHashAlgorithm: 'SHA-256' } as never, crypto);
  return Buffer.from(pfx.toSchema().toBER(false));
}
