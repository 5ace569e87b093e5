// The live feed of requests for the console: what each OCSP or CRL request was answered, pushed
// in batches (every 250 ms) to whoever listens. Nothing is built while nobody listens (one boolean
// on the hot path). Under load it samples: each batch keeps at most MAX events, chosen uniformly
// from the requests of its window (reservoir sampling), and says how many it saw, so a page
// shows "24 of 9,100 requests" instead of falling behind.

export interface FeedEvent {
  /** Time answered, ms since the epoch. */
  at: number;
  kind: 'ocsp' | 'crl';
  /** The CA that answered; '' when the request reached none (malformed, unknown issuer). */
  ca: string;
  method: string;
  /** Serial(s) asked, in the index's form (indexSerial: 01, not 1), as the console's certificate
   *  table shows them; CRL requests have none. */
  serial?: string;
  /** good / revoked / unknown, or the OCSP response status (tryLater, ...), http-NNN, hang, drop;
   *  for a CRL: served, not-modified, dropped, hang, http-404. */
  status: string;
  /** The mode that applied ("up" when none). */
  mode: string;
  ms: number;
  /** cached: served from the cache of signed responses; signed: signed for this request; fixed:
   *  no signature (error responses, fault bytes, no answer, CRLs). */
  answer: 'cached' | 'signed' | 'fixed';
}

export interface FeedBatch {
  events: FeedEvent[];
  /** Requests answered in this batch's window; more than events.length when it was sampled. */
  seen: number;
}

export class RequestFeed {
  /** True while someone listens; the responder builds events only then. */
  active = false;
  private readonly subs = new Set<(b: FeedBatch) => void>();
  private pending: FeedEvent[] = [];
  private seen = 0;
  private slot = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly max = 40,
    private readonly everyMs = 250,
  ) {}

  subscribe(fn: (b: FeedBatch) => void): () => void {
    this.subs.add(fn);
    this.active = true;
    if (!this.timer) {
      this.timer = setInterval(() => this.flush(), this.everyMs);
      this.timer.unref();
    }
    return () => {
      this.subs.delete(fn);
      if (this.subs.size) return;
      this.active = false;
      clearInterval(this.timer);
      this.timer = undefined;
      this.pending = [];
      this.seen = 0;
    };
  }

  /** Counts one answered request; true when it is to be recorded: then call add() with it. */
  take(): boolean {
    const n = ++this.seen;
    if (this.pending.length < this.max) {
      this.slot = this.pending.length;
      return true;
    }
    const j = Math.floor(Math.random() * n);
    if (j >= this.max) return false;
    this.slot = j;
    return true;
  }

  add(e: FeedEvent): void {
    this.pending[this.slot] = e;
  }

  private flush(): void {
    if (this.seen === 0) return;
    const batch: FeedBatch = { events: this.pending.sort((a, b) => a.at - b.at), seen: this.seen };
    this.pending = [];
    this.seen = 0;
    for (const f of this.subs) f(batch);
  }

  close(): void {
    this.subs.clear();
    this.active = false;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
