// `npm run interop`: runs the interop matrix and prints the client × case table; exits 1 when a
// cell fails. Clients that are not installed are skipped with the install line, not failed,
// unless OCSPLAB_INTEROP_REQUIRE=1 (for CI, where all of them must be present).

import { runMatrix } from './runner.js';
import { formatTable } from './table.js';

const r = await runMatrix();
process.stdout.write(`${formatTable(r)}\n`);
const failed = r.cells.some((c) => c.status === 'fail');
const skipped = r.clients.some((c) => c.unavailable);
process.exitCode = failed || (skipped && process.env.OCSPLAB_INTEROP_REQUIRE === '1') ? 1 : 0;
