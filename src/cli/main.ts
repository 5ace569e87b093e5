#!/usr/bin/env node
// The `ocsplab` command: dispatches to one module per subcommand, each exporting
// `main(argv): Promise<number>` (the exit code).

const COMMANDS: Record<string, { load: () => Promise<{ main(argv: string[]): Promise<number> }>; help: string }> = {
  ocsp: { load: () => import('./ocsp.js'), help: 'run the OCSP responder (openssl ocsp responder flags accepted)' },
  presign: { load: () => import('./presign.js'), help: 'sign every certificate\'s answer ahead of time into files a static web server serves (RFC 5019)' },
  ctl: { load: () => import('./ctl.js'), help: 'switch a running responder\'s modes (down, blackhole, bad-signature, ...)' },
  ca: { load: () => import('./ca.js'), help: 'lab CA tool: init, issue, revoke, restore, list, status, lab' },
  drill: { load: () => import('./drill.js'), help: 'run MQ OCSP drill scenarios on the embedded lab and print the outcome matrix' },
  lab: { load: () => import('./lab.js'), help: 'lab up: keep the embedded lab running with its web console (admin API, /metrics)' },
  demo: { load: () => import('./demo.js'), help: 'generate a demo CA and serve it (no arguments needed)' },
  explain: { load: () => import('./explain.js'), help: 'explain MQ TLS/OCSP errors from AMQERR01.LOG, FFST, Java chains or reason codes' },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(8)} ${v.help}`);
  return `usage: ocsplab <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'ocsplab <command> --help' for a command's options.\n`;
}

async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '__worker') {
    // A responder worker process started by `ocsplab ocsp --workers N` (responder/cluster.ts).
    (await import('../responder/cluster.js')).runWorker();
    return new Promise(() => undefined);
  }
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(usage());
    return cmd ? 0 : 2;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    process.stderr.write(`ocsplab: unknown command '${cmd}'\n${usage()}`);
    return 2;
  }
  return (await c.load()).main(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`ocsplab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
