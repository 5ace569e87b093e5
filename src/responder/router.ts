// Routes a request to the CA that issued the certificates it asks about, by issuer name hash and
// key hash (as Boulder's filterSource rejects issuers it does not serve).

import { ERROR_RESPONSES } from '../ocsp/response.js';
import type { CaSource } from './ca-source.js';
import type { Query, Reply, StatusSource } from './source.js';

export interface Route {
  ca: CaSource;
  /** The CA's chain of sources (faults → cache → ca). */
  source: StatusSource;
}

export class Router implements StatusSource {
  /**
   * @param unknownIssuer what to do with an issuer no CA serves: 'unauthorized' (RFC 6960 2.3),
   *   or 'unknown' to answer status unknown from the first CA, as `openssl ocsp` does.
   */
  constructor(
    private readonly routes: Route[],
    private readonly unknownIssuer: 'unauthorized' | 'unknown' = 'unauthorized',
  ) {}

  route(q: Query): Route | undefined {
    const first = q.request.certIds[0];
    return this.routes.find((r) => r.ca.serves(first)) ?? (this.unknownIssuer === 'unknown' ? this.routes[0] : undefined);
  }

  answer(q: Query): Reply | Promise<Reply> {
    const r = this.route(q);
    if (!r) return { kind: 'ocsp', der: ERROR_RESPONSES.unauthorized, status: 'unauthorized' };
    return r.source.answer(q);
  }
}
