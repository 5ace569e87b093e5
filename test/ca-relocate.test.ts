// A copied CA directory: its openssl.cnf still names the original, so `openssl ca -config
// COPY/openssl.cnf` changes the original's index. Every ocsplab ca command on the copy says so,
// and `ocsplab ca relocate` points the copy at itself, after which openssl works on the copy.

import t from 'tap';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, expectOk, indexFields, openssl, tempDir } from './helpers/ca-tools.js';

t.test('a copied CA: warned about, openssl shown to write to the original, relocate fixes it', async (t) => {
  const base = tempDir(t);
  const a = join(base, 'a');
  expectOk(t, await cli(['init', a, '--cn', 'Relocate CA']), 'init');
  expectOk(t, await cli(['issue', a, '--cn', 'one', '--out', join(base, 'one')]), 'issue one');
  expectOk(t, await cli(['issue', a, '--cn', 'two', '--out', join(base, 'two')]), 'issue two');
  const fresh = await cli(['list', a]);
  t.equal(fresh.stderr, '', 'no warning on the CA as made');

  const b = join(base, 'copy of a');
  cpSync(a, b, { recursive: true });
  for (const cmd of [['list', b], ['status', b, '01']]) {
    const r = await cli(cmd);
    expectOk(t, r, cmd[0]!);
    t.match(r.stderr, `warning: ${b}/openssl.cnf says dir = ${a}, not ${b}`, `${cmd[0]} warns`);
    t.match(r.stderr, `'ocsplab ca relocate ${b}'`, 'and says what fixes it');
  }

  // The trap itself, with openssl: revoking through the copy's config revokes in the original.
  expectOk(t, await openssl(['ca', '-config', join(b, 'openssl.cnf'), '-revoke', join(base, 'one.pem')]), 'openssl ca -revoke via the copy');
  t.equal(indexFields(a, '01')[0], 'R', "the original's index changed");
  t.equal(indexFields(b, '01')[0], 'V', "the copy's did not");

  const before = readFileSync(join(b, 'openssl.cnf'), 'utf8');
  const r = await cli(['relocate', b]);
  expectOk(t, r, 'relocate');
  t.match(r.stdout, `dir = ${b} (was ${a})`);
  t.equal(readFileSync(join(b, 'openssl.cnf.old'), 'utf8'), before, 'the previous openssl.cnf kept as .old');
  const cnf = readFileSync(join(b, 'openssl.cnf'), 'utf8');
  t.match(cnf, new RegExp(`^dir = ${b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  t.notOk(cnf.includes(`${a}/`), 'no line names the original any more (usage comments too)');
  t.equal((await cli(['list', b])).stderr, '', 'no warning after relocate');

  expectOk(t, await openssl(['ca', '-config', join(b, 'openssl.cnf'), '-revoke', join(base, 'two.pem')]), 'openssl ca -revoke via the relocated copy');
  t.equal(indexFields(b, '02')[0], 'R', "now the copy's index changes");
  t.equal(indexFields(a, '02')[0], 'V', 'and the original is left alone');
  const v = await openssl(['ca', '-config', join(b, 'openssl.cnf'), '-status', '02']);
  t.match(v.stderr, /02=Revoked/, 'openssl ca -status reads the copy');

  const again = await cli(['relocate', b]);
  expectOk(t, again, 'relocate again');
  t.match(again.stdout, /already names this directory; nothing changed/);
});

t.test('relocate: a dir made of variables is left to the user, a missing openssl.cnf is an error', async (t) => {
  const base = tempDir(t);
  const a = join(base, 'a');
  expectOk(t, await cli(['init', a, '--cn', 'Vars CA']), 'init');
  const cnf = join(a, 'openssl.cnf');
  writeFileSync(cnf, readFileSync(cnf, 'utf8').replace(/^dir = .*$/m, 'dir = $ENV::HOME/elsewhere').replace(/^\[ ca \]/m, '[ ca ]'));
  const before = readFileSync(cnf, 'utf8');
  const r = await cli(['relocate', a]);
  t.equal(r.code, 1);
  t.match(r.stderr, /its dir is .* but not written as a plain "dir = .*" line; edit it by hand/);
  t.equal(readFileSync(cnf, 'utf8'), before, 'nothing written');
  t.notOk(existsSync(`${cnf}.old`));
  const none = await cli(['relocate', join(base, 'nothing')]);
  t.equal(none.code, 1);
  t.match(none.stderr, /openssl\.cnf does not exist; nothing to relocate/);
});
