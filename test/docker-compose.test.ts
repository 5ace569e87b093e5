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

type Service = { ports?: Array<string | { host_ip?: string; published?: string | number; target?: number }>; healthcheck?: { test?: unknown; disable?: boolean }; volumes?: Array<string | { type?: string; source?: string }>; restart?: string; profiles?: string[]; environment?: Record<string, string> };
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

const DOCUMENTED_PORTS = ['2560', '2561', '1414'];
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
    const want = profile.length ? ['drill', 'drill-live', 'lab-init', 'mq', 'ocsp-client-ca', 'ocsp-qm-ca'] : ['drill', 'lab-init', 'ocsp-client-ca', 'ocsp-qm-ca'];
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
  t.same(published.map((x) => `${x.name} ${x.p}`).sort(), ['mq 127.0.0.1:1414:1414', 'ocsp-client-ca 127.0.0.1:2561:2561', 'ocsp-qm-ca 127.0.0.1:2560:2560']);
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
  t.same(declared.sort(), ['drill', 'lab', 'mq-data', 'mq-etc']);
  for (const [name, svc] of Object.entries(s)) {
    for (const v of svc.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0]! : v.source!;
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
  t.same(stages.map((x) => x.name), ['build', 'deps', 'live-client', 'runtime']);
  t.match(df, /ARG NODE_IMAGE=node:20-(slim|alpine)/, 'a small Node 20 base');
  t.match(df, /npm ci --ignore-scripts/);
  t.match(df, /npx tsc -p \./);
  t.match(df, /npm ci --omit=dev/, 'runtime gets production dependencies only');
  const runtime = df.slice(df.search(/^FROM \S+ AS runtime/m));
  t.notMatch(runtime, /COPY --from=build \S*\/src\/(node_modules|test)/, 'no dev dependencies or tests in the runtime stage');
  t.match(runtime, /COPY --from=build --chown=1001:0 \/src\/dist\/src \.\/dist\/src/);
  const users = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  t.ok(users.length > 0 && !['root', '0'].includes(users[users.length - 1]!), `runtime runs as ${users.join(', ')}`);
  const live = df.slice(df.search(/AS live-client/), df.search(/AS runtime/));
  t.match(live, /^USER 1001$/m, 'the live client too');
  t.match(runtime, /^HEALTHCHECK .*CMD/m);
  const ignore = read('.dockerignore');
  for (const p of ['node_modules', 'dist', 'lab', '.git']) t.match(ignore, new RegExp(`^${p.replace('.', '\\.')}$`, 'm'), `.dockerignore keeps ${p} out`);
});
