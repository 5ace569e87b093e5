// The ceiling of any Node responder on this machine, measured beside ocsplab in `npm run bench`:
// node:http with the same worker layout as ocsplab (cluster, SCHED_NONE), answering every POST
// with fixed response bytes, and, for the nonce cases, making one signature per request with the
// CA's key over data of a response's size. No parsing, no index, no DER assembly: what is left is
// the HTTP stack and the signature, which no OCSP responder written for Node can avoid.
//
// Usage: node dist/bench/ceiling.js <port> <workers> <response.der> [<signing key.pem>]

import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createPrivateKey, sign } from 'node:crypto';

const [portArg, workersArg, responseFile, keyFile] = process.argv.slice(2);
const response = readFileSync(responseFile);

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < Number(workersArg); i++) cluster.fork();
  process.on('SIGTERM', () => process.exit(0));
} else {
  const key = keyFile ? createPrivateKey(readFileSync(keyFile)) : undefined;
  // RSA signs on the thread pool, EC on the event loop: the same split ocsplab makes.
  const rsa = key?.asymmetricKeyType === 'rsa';
  const send = (res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': response.length });
    res.end(response);
  };
  createServer((req, res) => {
    req.on('data', () => undefined).on('end', () => {
      if (!key) return send(res);
      if (rsa) return sign('sha256', response, key, () => send(res));
      sign('sha256', response, key);
      send(res);
    });
  }).listen(Number(portArg), '127.0.0.1');
}
