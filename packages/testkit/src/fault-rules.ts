export type FaultMatch = { method?: string; path?: RegExp; times?: number };

type Rule<F> = { method: string; path: RegExp; fault: F; remaining: number };

/**
 * Scripted faults of a fake API: the next `times` requests matching a method (or '*') and a
 * path get the fault, in the order the faults were added.
 */
export class FaultRules<F> {
  private rules: Rule<F>[] = [];
  private readonly defaults: { method: string; path: RegExp };

  constructor(defaults: { method: string; path: RegExp }) {
    this.defaults = defaults;
  }

  add(fault: F, match: FaultMatch = {}): void {
    this.rules.push({
      method: match.method ?? this.defaults.method,
      path: match.path ?? this.defaults.path,
      fault,
      remaining: match.times ?? 1,
    });
  }

  /** The fault for this request, if one matches; it is used up once its count runs out. */
  take(method: string, path: string): F | null {
    const rule = this.rules.find(
      (r) => (r.method === '*' || r.method === method) && r.path.test(path) && r.remaining > 0,
    );
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.fault;
  }

  clear(): void {
    this.rules = [];
  }
}
