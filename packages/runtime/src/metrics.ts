import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Channel } from '@agent-ops/contracts/channels';
import { RECEIPT_STATUSES } from '@agent-ops/contracts/receipt';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReleaseReason } from './ledger.ts';
import type { BreakerStateName, MetricsSink } from './metrics-sink.ts';

const BREAKER_VALUE = { closed: 0, halfOpen: 1, open: 2 } as const;
/** The reasons the runtime passes to retry(): every ReleaseReason. */
const RETRY_REASONS = [
  'not_sent',
  'not_done',
  'in_doubt',
  'not_sent_keep',
] as const satisfies readonly ReleaseReason[];

/** The runtime's figures as Prometheus metrics, served on /metrics. */
export class ExecutorMetrics implements MetricsSink {
  readonly registry = new Registry();
  private readonly read: Counter<'channel'>;
  private readonly receipts: Counter<'channel' | 'status'>;
  private readonly latency: Histogram<'channel'>;
  private readonly inFlight: Gauge<'channel'>;
  private readonly rateLimited: Counter<'channel' | 'account'>;
  private readonly retries: Counter<'channel' | 'reason'>;
  private readonly breaker: Gauge<'channel' | 'account'>;
  private readonly channel: Channel;

  /**
   * `accounts`: the accounts known at start. Every counter and gauge gets its series at 0 for
   * each known label set now, so that a dashboard or alert sees "0" rather than "no data"
   * before the first event (and `rate()`/`increase()` count that first event at all).
   */
  constructor(
    channel: Channel,
    streamStats: () => Promise<{ length: number; pending: number; lag: number }>,
    accounts: readonly string[] = [],
  ) {
    this.channel = channel;
    const registers = [this.registry];
    this.read = new Counter({
      name: 'ops_intents_read_total',
      help: 'Intents entries read from the stream',
      labelNames: ['channel'],
      registers,
    });
    this.receipts = new Counter({
      name: 'ops_receipts_total',
      help: 'Receipts committed, by status',
      labelNames: ['channel', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'ops_xadd_to_receipt_seconds',
      help: 'From the intent entry id (its XADD time) to its receipt',
      labelNames: ['channel'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 900],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'ops_effects_in_flight',
      help: 'Intents being processed now',
      labelNames: ['channel'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'ops_rate_limited_total',
      help: 'Effects postponed by the central rate limit',
      labelNames: ['channel', 'account'],
      registers,
    });
    this.retries = new Counter({
      name: 'ops_retries_total',
      help: 'Intents released to come back later without an outcome, by reason (not_sent, not_done, in_doubt); a rising not_done is an outage being waited out',
      labelNames: ['channel', 'reason'],
      registers,
    });
    this.breaker = new Gauge({
      name: 'ops_breaker_state',
      help: 'Circuit breaker: 0 closed, 1 half-open, 2 open',
      labelNames: ['channel', 'account'],
      registers,
    });
    const stat = (name: string, help: string, pick: 'length' | 'pending' | 'lag') =>
      new Gauge({
        name,
        help,
        labelNames: ['channel'],
        registers,
        async collect() {
          this.set({ channel }, (await streamStats())[pick]);
        },
      });
    this.read.inc({ channel }, 0);
    this.inFlight.set({ channel }, 0);
    for (const status of RECEIPT_STATUSES) this.receipts.inc({ channel, status }, 0);
    for (const reason of RETRY_REASONS) this.retries.inc({ channel, reason }, 0);
    for (const account of accounts) {
      this.rateLimited.inc({ channel, account }, 0);
      this.breaker.set({ channel, account }, BREAKER_VALUE.closed);
    }
    stat('ops_stream_length', 'Entries in the intents stream', 'length');
    stat('ops_group_pending', 'Entries delivered to the executors group and not acknowledged', 'pending');
    stat('ops_group_lag', 'Entries not yet delivered to the executors group', 'lag');
  }

  entryRead(): void {
    this.read.inc({ channel: this.channel });
  }
  receipt(status: string, intentId: string): void {
    this.receipts.inc({ channel: this.channel, status });
    const addedAt = Number(intentId.split('-')[0]);
    if (addedAt > 0)
      this.latency.observe({ channel: this.channel }, Math.max(0, Date.now() - addedAt) / 1000);
  }
  setInFlight(n: number): void {
    this.inFlight.set({ channel: this.channel }, n);
  }
  limited(account: string): void {
    this.rateLimited.inc({ channel: this.channel, account });
  }
  retry(reason: string): void {
    this.retries.inc({ channel: this.channel, reason });
  }
  breakerState(account: string, state: BreakerStateName): void {
    this.breaker.set({ channel: this.channel, account }, BREAKER_VALUE[state]);
  }
}

/** /metrics (Prometheus text), /healthz (the process answers), /readyz (it can do its work). */
export async function startMetricsServer(
  port: number,
  registry: Registry,
  ready: () => Promise<boolean>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (path === '/readyz') {
      ready().then(
        (ok) =>
          res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n'),
        () => res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready\n'),
      );
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
