// slapd.conf for the compose `ldap` service (docker/ldap.sh), written by ocsplab's own writer
// (src/ldap/slapd.ts slapdConf, the configuration of the emulator's lab server) into LDAP_DIR:
// LDAP_SUFFIX's database in LDAP_DIR/mdb-0 (kept across restarts of the container), the root
// password from LDAP_PASSWORD_FILE as an {SSHA} hash. Regenerated on every start.
// OCSPLAB_APP: where dist/ is (the image: /app; on a host: the checkout).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const app = process.env.OCSPLAB_APP ?? '/app';
const { slapdConf, sshaHash } = await import(pathToFileURL(join(app, 'dist/src/ldap/slapd.js')).href);

const need = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`ldap-conf: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const dir = need('LDAP_DIR');
const suffix = need('LDAP_SUFFIX');
// The password alone; a trailing newline (a file written by hand) is not part of it.
const password = readFileSync(need('LDAP_PASSWORD_FILE'), 'utf8').replace(/\r?\n$/, '');
if (!password) {
  console.error('ldap-conf: the password file is empty');
  process.exit(2);
}
mkdirSync(join(dir, 'mdb-0'), { recursive: true, mode: 0o700 });
const conf = join(dir, 'slapd.conf');
writeFileSync(conf, slapdConf({ dir, suffixes: [suffix], rootPasswordHash: sshaHash(password) }), { mode: 0o600 });
chmodSync(conf, 0o600);
