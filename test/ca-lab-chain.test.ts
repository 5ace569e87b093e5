// Chain labs (ocsplab ca lab --depth 2|3): root -> (policy CA ->) issuing CA -> leaf on each side,
// judged by openssl: `openssl verify -CAfile root -untrusted intermediates` on every chain, and
// `openssl ocsp -issuer <its issuer>` for every certificate but the roots, against one responder
// serving every CA of the lab on one port (an intermediate answered from its root's index).

import t from 'tap';
import { join } from 'node:path';
import { createLab, revoke, restore, type LabCa } from '../src/ca/index.js';
import { Responder } from '../src/responder/responder.js';
import { expectOk, openssl, opensslQuery, tempDir } from './helpers/ca-tools.js';

for (const depth of [2, 3]) {
  t.test(`depth ${depth}`, async (t) => {
    const dir = join(tempDir(t), `lab${depth}`);
    const { lab } = await createLab({ dir, depth });
    const names = lab.chain.map((c) => c.name);
    t.same(names, depth === 2 ? ['qm-root', 'qm-issuing', 'client-root', 'client-issuing'] : ['qm-root', 'qm-policy', 'qm-issuing', 'client-root', 'client-policy', 'client-issuing']);
    t.equal(lab.cas.qm.name, 'qm-issuing', 'the leaf is issued by the issuing CA');
    const side = (s: 'qm' | 'client') => lab.chain.filter((c) => c.side === s);
    for (const s of ['qm', 'client'] as const) {
      const [root, ...mids] = side(s);
      const untrusted = mids.flatMap((m) => ['-untrusted', m.cacert]);
      expectOk(t, await openssl(['verify', '-CAfile', root!.cacert, ...untrusted, lab.certs[s].cert]), `${s}: openssl verify -CAfile root -untrusted intermediates`);
      const bare = await openssl(['verify', '-CAfile', root!.cacert, lab.certs[s].cert]);
      t.not(bare.code, 0, `${s}: without the intermediates the chain does not verify`);
      for (const m of mids) t.equal(m.issuer, side(s)[side(s).indexOf(m) - 1]!.name, `${m.name} is issued by the CA above it`);
      const aia = (await openssl(['x509', '-in', mids[mids.length - 1]!.cacert, '-noout', '-ext', 'authorityInfoAccess,crlDistributionPoints'])).stdout;
      const parent = side(s)[side(s).length - 2]!;
      t.match(aia, `OCSP - URI:${parent.responder.url}`, `${s}: the issuing CA's AIA names its issuer's responder`);
      t.match(aia, `URI:${parent.responder.url}/crl/${parent.name}.crl`, `${s}: and its CDP its issuer's CRL`);
    }
    // The client's key repository holds its whole chain and the QM's.
    const p12 = await openssl(['pkcs12', '-in', lab.certs.client.p12, '-passin', `pass:${lab.p12Password}`, '-nokeys']);
    t.equal((p12.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length, 1 + lab.chain.length, 'client.p12: own certificate and every CA of both chains');
    t.ok(lab.chain.find((c) => c.name === 'qm-root')!.expiredCert, 'an expired copy of each root');
    const cross = lab.chain.find((c) => c.crossCert)!;
    t.equal(cross.name, 'client-issuing');
    expectOk(t, await openssl(['verify', '-CAfile', lab.chain[0]!.cacert, '-untrusted', cross.crossCert!, lab.certs.client.cert]), 'the client leaf verifies through the cross-signed issuing CA to the QM root');

    const responder = await Responder.create({
      cas: lab.chain.map((c: LabCa) => ({ name: c.name, index: c.index, ca: c.cacert, rsigner: c.responder.signerCert, rkey: c.responder.signerKey })),
      port: 0,
      logger: false,
    });
    await responder.start();
    t.teardown(() => responder.close());
    const url = responder.url();
    const ask = (cert: string, issuer: string) => opensslQuery({ issuer, target: cert, url, cafile: issuer });
    for (const s of ['qm', 'client'] as const) {
      const chain = side(s);
      t.equal((await ask(lab.certs[s].cert, chain[chain.length - 1]!.cacert)).status, 'good', `${s} leaf: openssl ocsp -issuer <issuing CA>`);
      for (let i = 1; i < chain.length; i++) {
        t.equal((await ask(chain[i]!.cacert, chain[i - 1]!.cacert)).status, 'good', `${chain[i]!.name}: openssl ocsp -issuer ${chain[i - 1]!.name}, answered from its index`);
      }
    }
    const issuing = lab.cas.client;
    const parent = lab.chain.find((c) => c.name === issuing.issuer)!;
    await revoke({ dir: parent.dir, target: issuing.serial!, reason: 'cACompromise' });
    t.equal((await ask(issuing.cacert, parent.cacert)).status, 'revoked', 'the issuing CA revoked in its issuer\'s index: openssl sees it at once');
    t.equal((await ask(lab.certs.client.cert, issuing.cacert)).status, 'good', 'its leaf itself is still good (the chain check is the relying party\'s job)');
    await restore({ dir: parent.dir, target: issuing.serial! });
    const qmRoot = lab.chain[0]!;
    t.equal((await ask(cross.crossCert!, qmRoot.cacert)).status, 'good', 'the cross certificate is answered from the QM root\'s index');
  });
}
