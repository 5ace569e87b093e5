// After a failed `npm test`: print every failed assertion again, with the subtests it sits in and
// its diagnostics, read from the raw TAP tap saves per file (.tap/test-results). A CI log is often
// kept only by its tail, and the raw TAP of 57 files puts a failure far from the end; this puts
// each one last, where it is read.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = '.tap/test-results';

function tapFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tapFiles(p) : name.endsWith('.tap') ? [p] : [];
  });
}

/** The failures in one file's TAP: the subtest path, the `not ok` line and its YAML block. */
export function failuresIn(tap: string): string[] {
  const lines = tap.split('\n');
  const path: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const indent = line.length - line.trimStart().length;
    const level = indent / 4;
    const sub = /^\s*# Subtest: (.*)$/.exec(line);
    if (sub) {
      path.length = level;
      path[level] = sub[1]!;
      continue;
    }
    if (!/^\s*not ok /.test(line)) continue;
    // A subtest's own `not ok` follows its plan (`1..N`, one level in) and only sums up the
    // assertions inside it, printed already; print the leaves.
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    if (k >= 0 && /^\s*1\.\.\d+/.test(lines[k]!) && lines[k]!.length - lines[k]!.trimStart().length > indent) continue;
    const diag: string[] = [];
    if ((lines[i + 1] ?? '').trim() === '---') {
      for (let j = i + 1; j < lines.length && diag.length < 40; j++) {
        diag.push(lines[j]!);
        if (lines[j]!.trim() === '...') break;
      }
    }
    out.push(`${path.slice(0, level).join(' > ')}\n${line.trim()}\n${diag.map((d) => d.slice(indent)).join('\n')}`);
  }
  return out;
}

function main(): void {
  let total = 0;
  // Only files that still exist: a local .tap keeps the results of test files since removed.
  for (const f of tapFiles(ROOT).filter((f) => existsSync(relative(ROOT, f).replace(/\.tap$/, ''))).sort()) {
    const tap = readFileSync(f, 'utf8');
    const fails = failuresIn(tap);
    // A file that crashed or was killed leaves no final plan (an empty file if it died at once).
    if (!/^1\.\.\d+/m.test(tap)) fails.push(`the file did not finish (crashed, killed or timed out); its last lines:\n${tap.trimEnd().split('\n').slice(-15).join('\n')}`);
    if (fails.length === 0) continue;
    total += fails.length;
    console.log(`\n######## FAILED in ${relative(ROOT, f).replace(/\.tap$/, '')}`);
    for (const x of fails) console.log(x, '\n');
  }
  console.log(total ? `\n# ${total} failed assertion(s), listed above by file` : '\n# no failed assertion found in .tap/test-results (a file may have crashed: see its output above)');
}

main();
