// The Docker lab's files, checked without a Docker engine: `docker compose config` (or Debian's
// docker-compose) validates the compose file with and without the mq profile; static checks keep
// the host side closed (only the documented ports, on loopback), health checks and named volumes
// in place, and the image multi-stage and non-root. Nothing here builds or runs an image.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (f: string) => readFileSync(`${root}/${f}`, 'utf8');

/** `docker compose` (plugin) when it works offline, else `docker-compose`, else none. */
function composeCommand(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return undefined;
}

type Service = { ports?: Array<string | { host_ip?: string; published?: string | number; target?: number }>; expose?: Array<string | number>; healthcheck?: { test?: unknown; disable?: boolean }; volumes?: Array<string | { type?: string; source?: string }>; restart?: string; profiles?: string[]; environment?: Record<string, string>; build?: { target?: string }; image?: string; entrypoint?: string[]; sysctls?: Record<string, string | number>; depends_on?: Record<string, { condition: string }> };
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

// 2580, 2581: profile scale (nginx's cache, the pre-signed files; test/docker-scale.test.ts).
const DOCUMENTED_PORTS = ['2560', '2561', '1414', '2580', '2581'];
const ONE_SHOT = ['lab-init', 'drill', 'drill-live'];

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;

const cmd = composeCommand();
t.test('docker compose config validates the file, with and without the mq profile', { skip: cmd ? false : 'neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)' }, async (t) => {
  if (!cmd) return;
  for (const profile of [[], ['--profile', 'mq']]) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), ...profile, 'config'], { cwd: root, encoding: 'utf8', env: { ...process.env, COMPOSE_PROJECT_NAME: 'ocsplab-test' } });
    t.equal(r.status, 0, `${cmd.join(' ')} ${profile.join(' ')} config: ${r.stderr.trim()}`);
    const resolved = parse(r.stdout) as Compose;
    const names = Object.keys(resolved.services).sort();
    // docker-compose 1.29 lists profile services in every `config`; the v2 plugin only when active.
    const want = profile.length ? ['drill', 'drill-live', 'lab-init', 'ldap', 'ldap-publish', 'mq', 'ocsp-client-ca', 'ocsp-qm-ca'] : ['drill', 'lab-init', 'ldap', 'ldap-publish', 'ocsp-client-ca', 'ocsp-qm-ca'];
    t.same(names.filter((n) => want.includes(n)), want, `services: ${names.join(', ')}`);
    // The resolved form spells every published port out: loopback only, documented ports only.
    for (const [name, svc] of Object.entries(resolved.services)) {
      for (const p of svc.ports ?? []) {
        const text = typeof p === 'string' ? p : `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target ?? ''}`;
        t.match(text, /^127\.0\.0\.1:/, `${name} publishes ${text} on loopback only`);
        t.ok(DOCUMENTED_PORTS.includes(text.split(':')[1]!), `${name}: ${text} is a documented port`);
      }
    }
  }
});

t.test('nothing reaches the host beyond the documented ports, on loopback', async (t) => {
  const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, p: String(p) })));
  t.same(published.map((x) => `${x.name} ${x.p}`).sort(), ['mq 127.0.0.1:1414:1414', 'ocsp-cache 127.0.0.1:2580:8080', 'ocsp-client-ca 127.0.0.1:2561:2561', 'ocsp-qm-ca 127.0.0.1:2560:2560', 'ocsp-static 127.0.0.1:2581:8080']);
  t.notMatch(read('docker-compose.yml'), /0\.0\.0\.0:\d+:|network_mode:\s*host/, 'no all-interfaces host binding, no host network');
  // The admin port is exposed to the compose network only, and asks for the lab's token.
  for (const ca of ['ocsp-qm-ca', 'ocsp-client-ca']) t.notOk((compose.services[ca]!.ports ?? []).some((p) => String(p).includes('2570')), `${ca}: admin port not published`);
  t.match(read('docker/responder.sh'), /--admin-token-file "\$LAB\/admin-token"/, 'the admin API reads the lab token from its file');
});

t.test('health checks, restart policies, named volumes, start order', async (t) => {
  const s = compose.services;
  for (const [name, svc] of Object.entries(s)) {
    if (ONE_SHOT.includes(name)) {
      t.equal(svc.restart, 'no', `${name} runs once`);
      continue;
    }
    t.ok(Array.isArray(svc.healthcheck?.test) && !svc.healthcheck?.disable, `${name} has a health check`);
    t.equal(svc.restart, 'unless-stopped', `${name} restarts`);
  }
  const declared = Object.keys(compose.volumes ?? {});
  t.same(declared.sort(), ['drill', 'lab', 'mq-data', 'mq-etc', 'presigned']);
  for (const [name, svc] of Object.entries(s)) {
    for (const v of svc.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0]! : v.source!;
      // Profile scale's nginx reads its configuration from the checkout, read-only.
      if (typeof v === 'string' && /^\.\/docker\/nginx-[\w-]+\.conf:\/etc\/nginx\/nginx\.conf:ro$/.test(v)) continue;
      t.ok(declared.includes(source), `${name}: ${source} is a named volume, not a host path`);
    }
  }
  const deps = (n: string) => (s[n] as { depends_on?: Record<string, { condition: string }> }).depends_on ?? {};
  t.same(deps('ocsp-qm-ca'), { 'lab-init': { condition: 'service_completed_successfully' } });
  t.equal(deps('drill-live').mq?.condition, 'service_healthy');
  t.same(s['mq']!.profiles, ['mq']);
  t.same(s['drill-live']!.profiles, ['mq']);
  t.equal(s['mq']!.environment?.LICENSE, 'accept');
  t.match(String(s['mq']!.environment?.MQ_QMGR_NAME), /QM1/);
  t.ok((s['mq']!.volumes ?? []).includes('mq-etc:/etc/mqm:ro'), "the lab's /etc/mqm (mqsc, ini, pki/keys, pki/trust)");
  t.match(read('docker/lab-init.sh'), /--qm-ocsp-url "\$\{QM_OCSP_URL:-http:\/\/ocsp-qm-ca:2560\}"/, 'lab URLs name the compose services');
  t.match(read('docker/lab-init.sh'), /--client-ocsp-url "\$\{CLIENT_OCSP_URL:-http:\/\/ocsp-client-ca:2561\}"/);
  t.match(JSON.stringify(s['drill-live']), /--out/);
  t.notMatch(JSON.stringify(s['drill']), /--target/, 'the default drill stays embedded');
});

t.test('the Dockerfile is multi-stage, small and non-root', async (t) => {
  const df = read('Dockerfile');
  const stages = [...df.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({ image: m[1]!, name: m[2] }));
  t.ok(stages.length >= 3, 'several stages');
  // runtime last: the default target of a plain `docker build .`.
  t.same(stages.map((x) => x.name), ['build', 'deps', 'live-client', 'ldap', 'runtime']);
  t.match(df, /ARG NODE_IMAGE=node:20-(slim|alpine)/, 'a small Node 20 base');
  t.match(df, /npm ci --ignore-scripts/);
  t.match(df, /npx tsc -p \./);
  t.match(df, /npm ci --omit=dev/, 'runtime gets production dependencies only');
  const runtime = df.slice(df.search(/^FROM \S+ AS runtime/m));
  t.notMatch(runtime, /COPY --from=build \S*\/src\/(node_modules|test)/, 'no dev dependencies or tests in the runtime stage');
  t.match(runtime, /COPY --from=build --chown=1001:0 \/src\/dist\/src \.\/dist\/src/);
  const users = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  t.ok(users.length > 0 && !['root', '0'].includes(users[users.length - 1]!), `runtime runs as ${users.join(', ')}`);
  const live = df.slice(df.search(/AS live-client/), df.search(/AS ldap/));
  t.match(live, /^USER 1001$/m, 'the live client too');
  t.match(runtime, /^HEALTHCHECK .*CMD/m);
  const ignore = read('.dockerignore');
  for (const p of ['node_modules', 'dist', 'lab', '.git']) t.match(ignore, new RegExp(`^${p.replace('.', '\\.')}$`, 'm'), `.dockerignore keeps ${p} out`);
});

t.test('ldap: slapd from the ldap target, on the compose network only, its password a file on the lab volume', async (t) => {
  const s = compose.services;
  const ldap = s['ldap']!;
  t.equal(ldap.build?.target, 'ldap', 'built from the Dockerfile target ldap');
  t.not(ldap.image, s['ocsp-qm-ca']!.image, 'under its own tag (not the runtime image)');
  t.same(ldap.entrypoint, ['/usr/local/bin/ldap.sh']);
  t.same(ldap.ports ?? [], [], 'no host port');
  t.same((ldap.expose ?? []).map(String), ['389'], '389 on the compose network');
  t.equal(String(ldap.sysctls?.['net.ipv4.ip_unprivileged_port_start']), '0', 'uid 1001 may bind 389');
  t.same(ldap.volumes, ['lab:/lab:ro'], 'the lab volume, read-only (the password file)');
  t.same(ldap.depends_on, { 'lab-init': { condition: 'service_completed_successfully' } });
  t.same(ldap.healthcheck?.test, ['CMD', 'ldapsearch', '-x', '-H', 'ldap://127.0.0.1:389', '-b', '', '-s', 'base', 'namingContexts'], 'health: an anonymous read of the root DSE');
  // The QM's CRLLDAP AUTHINFO names this service and port (src/ca/mq.ts qmMqsc's default).
  t.match(read('src/ca/mq.ts'), /ldapConname = 'ldap\(389\)'/, "the lab's mqsc says CONNAME('ldap(389)')");

  const sh = read('docker/ldap.sh');
  t.match(sh, /LDAP_PASSWORD_FILE="\$\{LDAP_PASSWORD_FILE:-\$LAB\/ldap-password\}"/, 'the password from the lab volume');
  t.match(sh, /exec "\$\{SLAPD:-\/usr\/sbin\/slapd\}" -f "\$LDAP_DIR\/slapd.conf" -h "\$LISTEN"/, 'slapd in the foreground with the generated slapd.conf');
  t.match(sh, /LDAP_HOST:-0\.0\.0\.0\}:\$\{LDAP_PORT:-389\}/, 'every interface of its container, port 389');
  t.match(read('docker/ldap-conf.mjs'), /slapdConf\(/, "ocsplab's own slapd.conf writer");
  t.match(read('docker/lab-init.sh'), /"\$LAB\/ldap-password"[\s\S]*chmod 600 "\$LAB\/ldap-password"/, 'lab-init writes it, mode 600');

  const df = read('Dockerfile');
  const stage = df.slice(df.search(/^FROM \S+ AS ldap/m), df.search(/^FROM \S+ AS runtime/m));
  t.match(stage, /apt-get install -y --no-install-recommends slapd ldap-utils/, "Debian's slapd and ldap-utils");
  t.match(stage, /rm -rf \/var\/lib\/apt\/lists/);
  t.match(stage, /COPY docker\/ldap\.sh docker\/ldap-conf\.mjs \/usr\/local\/bin\//);
  t.match(stage, /^USER 1001$/m, 'non-root');
  t.match(df.slice(df.search(/^FROM \S+ AS runtime/m)), /docker\/ldap-publish\.mjs/, 'the publisher is in the runtime image');
});

t.test('ldap-publish: after the responders and ldap, password as a file, a health check, and the QM waits for it', async (t) => {
  const s = compose.services;
  const pub = s['ldap-publish']!;
  t.same(pub.depends_on, {
    ldap: { condition: 'service_healthy' },
    'ocsp-qm-ca': { condition: 'service_healthy' },
    'ocsp-client-ca': { condition: 'service_healthy' },
  });
  t.same(pub.entrypoint, ['node', '/usr/local/bin/ldap-publish.mjs']);
  t.same(pub.ports ?? [], [], 'no host port');
  t.same(pub.volumes, ['lab:/lab:ro']);
  const env = pub.environment ?? {};
  t.equal(env.LDAP_URL, 'ldap://ldap:389');
  t.equal(env.LDAP_PASSWORD_FILE, '/lab/ldap-password', 'the password is passed as a file');
  t.notOk(Object.keys(env).some((k) => /PASSWORD$|PASSWD|SECRET|TOKEN$/.test(k)), 'no password value in the environment');
  // The CRL Distribution Points the lab puts in its certificates: <responder url>/crl/<ca>.crl.
  t.same(String(env.CRL_URLS).split(/\s+/), ['http://ocsp-qm-ca:2560/crl/qm-ca.crl', 'http://ocsp-client-ca:2561/crl/client-ca.crl']);
  t.equal(Number(env.PUBLISH_INTERVAL), 5);
  t.same(pub.healthcheck?.test, ['CMD', 'node', '/usr/local/bin/ldap-publish.mjs', '--health']);
  t.equal(s['mq']!.depends_on?.['ldap-publish']?.condition, 'service_healthy', 'the QM starts with the CRLs in LDAP');
  // The responders serve CRLs signed with the CA key; OCSP stays signed by the delegated signer.
  const responder = read('docker/responder.sh');
  t.match(responder, /--crl-key "\$LAB\/\$CA\/private\/cakey\.pem"/);
  t.match(responder, /-rsigner "\$LAB\/\$CA\/ocsp\/responder\.pem"/);
  // No secret in any service's environment values or command lines.
  t.notMatch(read('docker-compose.yml'), /ldap-password[^\n]*(?:--password|-w )|LDAP_PASSWORD:/, 'no password on a command line or in a variable');
});
