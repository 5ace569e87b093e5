// Layering of src/: no import circles between modules, and imports between the top-level folders
// only where the table below allows them. Read from the sources (static `import ... from`,
// side-effect `import '...'`, `export ... from` and dynamic `import('...')`, type-only imports
// included: a type import ties two modules together just the same), relative paths resolved.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

/** Which other top-level folders of src/ each folder may import, and why. A new folder, or a new
 *  kind of import, is a decision: make it here. */
const MAY_IMPORT: Record<string, { may: readonly string[]; why: string }> = {
  ocsp: { may: [], why: 'the pure OCSP codec is the bottom layer' },
  crypto: { may: [], why: 'key loading with openssl pass phrase sources needs nothing of ours' },
  net: { may: [], why: 'loopback port helpers for servers started as processes; needs nothing of ours' },
  index: { may: ['ocsp'], why: 'index.txt lines and store; only lower layers' },
  crl: { may: ['index', 'ocsp', 'crypto'], why: 'the CRL codec reads the index and DER pieces of the codec; only lower layers' },
  ldap: { may: ['crl', 'index', 'net', 'ocsp'], why: 'CRLs over LDAP (publish, fetch, a lab slapd); a lower layer beside crl' },
  ca: { may: ['crl', 'crypto', 'index', 'ldap', 'ocsp'], why: 'the lab CA tool writes what the layers below read' },
  responder: {
    may: ['ca', 'crl', 'crypto', 'index', 'ldap', 'ocsp'],
    why: 'serves the CA files; knows nothing of MQ, drills or the command line',
  },
  presign: {
    may: ['ocsp', 'responder'],
    why: "signs ahead of time with the responder's CA sources and writes files; serves nothing itself",
  },
  mq: { may: [], why: 'MQ knowledge only (catalog, outcome rows, log formats): the emulator, explain and the drill build on it' },
  emulator: {
    may: ['mq', 'ocsp', 'ca', 'crl', 'index', 'ldap'],
    why:
      'acts out src/mq with real TLS, OCSP (src/ocsp) and CRLs (src/crl, src/ldap), configured from the lab manifest (src/ca); ' +
      'never explain, drill or cli',
  },
  explain: { may: ['mq'], why: 'reads logs against MQ knowledge; --drill writes scenario YAML by name, it needs no drill objects' },
  drill: {
    may: ['mq', 'emulator', 'ca', 'responder', 'ldap', 'ocsp'],
    why: "plays scenarios on the emulator, the responders and the lab's LDAP server; never explain or cli",
  },
  console: {
    may: ['drill', 'responder', 'ca', 'mq', 'emulator', 'index', 'ocsp'],
    why: "the lab console (ocsplab lab up): a plugin on the responder's admin port that drives the drill's lab; nothing but cli imports it",
  },
  cli: {
    may: ['ca', 'console', 'crl', 'crypto', 'drill', 'emulator', 'explain', 'index', 'ldap', 'mq', 'ocsp', 'presign', 'responder'],
    why: 'the command sits on top; nothing but cli imports cli',
  },
};

// An import statement starts a line; between `import` and the specifier there are only names,
// braces, commas and `* as`, so code that merely contains the word is not read as one.
const STATIC = /^[ \t]*(?:import|export)[ \t]+(?:type[ \t]+)?(?:[\w$*{},\s]*?[ \t\n]from[ \t]*)?['"]([^'"\n]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** Relative specifiers of one source text, in order of appearance. */
function importSpecifiers(text: string): string[] {
  const found: Array<{ at: number; spec: string }> = [];
  for (const m of text.matchAll(STATIC)) found.push({ at: m.index, spec: m[1]! });
  for (const m of text.matchAll(DYNAMIC)) {
    const line = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index);
    if (!/^\s*(?:\/\/|\*|\/\*)/.test(line)) found.push({ at: m.index, spec: m[1]! });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.spec).filter((s) => s.startsWith('.'));
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

const rel = (abs: string) => relative(ROOT, abs).split('\\').join('/');
/** src/<folder>/...: the folder; '' for a file directly in src/; undefined outside src/. */
const folderOf = (abs: string): string | undefined => {
  const r = relative(SRC, abs).split('\\').join('/');
  if (r.startsWith('..')) return undefined;
  return r.includes('/') ? r.slice(0, r.indexOf('/')) : '';
};

interface Edge {
  from: string;
  to: string;
  spec: string;
}

function readGraph(): { files: string[]; edges: Edge[] } {
  const files = sources(SRC).map(rel).sort();
  const edges: Edge[] = [];
  for (const f of files) {
    for (const spec of importSpecifiers(readFileSync(join(ROOT, f), 'utf8'))) {
      const target = resolve(dirname(join(ROOT, f)), spec).replace(/\.js$/, '.ts');
      edges.push({ from: f, to: rel(target), spec });
    }
  }
  return { files, edges };
}

/** One cycle per strongly connected component (Tarjan), as a path that returns to its start. */
function cycles(files: string[], edges: Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (next.has(e.to) && e.from !== e.to) next.get(e.from)!.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.add(w);
    } while (w !== v);
    const self = edges.some((e) => e.from === v && e.to === v);
    if (scc.size > 1 || self) out.push(pathWithin(v, scc, next));
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return out;
}

/** The shortest way from start back to start inside one component. */
function pathWithin(start: string, scc: Set<string>, next: Map<string, string[]>): string[] {
  const from = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next.get(v)!) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x: string | undefined = v; x !== undefined && x !== start; x = from.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

const { files, edges } = readGraph();

t.test('the import reader sees every form of import', async (t) => {
  const sample = [
    "import t from 'tap';",
    "import { a, type B } from './a.js';",
    'import type { C } from "../b/c.js";',
    'import {',
    '  d,',
    '  e as f,',
    "} from './d.js';",
    "import * as g from './g.js';",
    "import './side-effect.js';",
    "export { h } from './h.js';",
    "export * from './i.js';",
    "export type { J } from './j.js';",
    "const k = await import('./k.js');",
    "// import { no } from './comment.js'; and import('./comment2.js')",
    "const s = 'import x from ./not-a-statement.js';",
    "export const from = 'x';",
  ].join('\n');
  t.same(importSpecifiers(sample), [
    './a.js',
    '../b/c.js',
    './d.js',
    './g.js',
    './side-effect.js',
    './h.js',
    './i.js',
    './j.js',
    './k.js',
  ]);
  t.ok(files.length > 80, `${files.length} source files read`);
  t.ok(edges.length > 200, `${edges.length} relative imports read`);
  t.ok(
    edges.some((e) => e.from === 'src/drill/embedded.ts' && e.to === 'src/emulator/index.ts'),
    'a known import is among them (src/drill/embedded.ts -> src/emulator/index.ts)',
  );
});

t.test('every import of src/ resolves to a file in src/', async (t) => {
  const bad = edges.filter((e) => folderOf(join(ROOT, e.to)) === undefined || !existsSync(join(ROOT, e.to)));
  t.same(
    bad.map((e) => `${e.from}: '${e.spec}' -> ${e.to}`),
    [],
    'src/ imports only its own modules (tests, benches and dist are not part of it)',
  );
});

t.test('no import circles in src/', async (t) => {
  const found = cycles(files, edges);
  t.same(found.map((c) => c.join(' -> ')), [], 'each listed path is a circle of imports');
});

t.test('imports between src/ folders point down (rule table at the top of this file)', async (t) => {
  const folders = [...new Set(files.map((f) => folderOf(join(ROOT, f))!))].sort();
  t.same(folders.filter((f) => !(f in MAY_IMPORT)), [], 'every folder of src/ (and no file at its top) has a rule');
  for (const [name, rule] of Object.entries(MAY_IMPORT)) {
    t.same(rule.may.filter((m) => !(m in MAY_IMPORT)), [], `${name}: the folders it may import exist in the table`);
    t.notOk(rule.may.includes(name), `${name}: lists other folders only`);
  }
  const wrong: string[] = [];
  for (const e of edges) {
    const a = folderOf(join(ROOT, e.from))!;
    const b = folderOf(join(ROOT, e.to));
    if (b === undefined || a === b) continue;
    const rule = MAY_IMPORT[a];
    if (rule && !rule.may.includes(b)) {
      const may = rule.may.length ? `may import only ${rule.may.join(', ')}` : 'may import no other folder';
      wrong.push(`${e.from} imports ${e.to} ('${e.spec}'): src/${a}/ ${may} (${rule.why})`);
    }
  }
  t.same(wrong, [], 'no import points the wrong way');
});
