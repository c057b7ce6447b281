export type BreakerStateName = 'closed' | 'halfOpen' | 'open';

/** What the runtime measures; the processor and executor only call these methods. */
export type MetricsSink = {
  entryRead(): void;
  receipt(status: string, intentId: string): void;
  setInFlight(n: number): void;
  limited(account: string): void;
  /** An intent released to come back later without an outcome, and why (the release reason). */
  retry(reason: string): void;
  breakerState(account: string, state: BreakerStateName): void;
};

/**
 * Forwards to the Prometheus metrics once they exist. prom-client is loaded only when
 * /metrics is served (OPS_METRICS_PORT): without a port nobody can read the figures, and
 * loading it cost every start about 40 ms.
 */
export class MetricsRelay implements MetricsSink {
  target: MetricsSink | undefined;
  entryRead(): void {
    this.target?.entryRead();
  }
  receipt(status: string, intentId: string): void {
    this.target?.receipt(status, intentId);
  }
  setInFlight(n: number): void {
    this.target?.setInFlight(n);
  }
  limited(account: string): void {
    this.target?.limited(account);
  }
  retry(reason: string): void {
    this.target?.retry(reason);
  }
  breakerState(account: string, state: BreakerStateName): void {
    this.target?.breakerState(account, state);
  }
}
