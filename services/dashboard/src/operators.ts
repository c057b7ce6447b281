import { safeEqual } from '@agent-ops/contracts/safe-equal';
import type { DashboardConfig } from './config.ts';

/** A person who may log in: their own login token, and the coordinator operator token their actions are made with. */
export type Operator = {
  name: string;
  loginToken: string;
  operatorToken: string;
  /** How a trusted proxy names them (Tailscale-User-Login), when identityHeader is on. */
  login?: string | undefined;
};

/** The name the single-token setup (DASHBOARD_TOKEN + OPS_OPERATOR_TOKEN) logs in as. */
export const SINGLE_OPERATOR = 'operator';

/** Everyone who may log in: `operators`, plus the single `token`/`operatorToken` pair where set. */
export function operatorsOf(config: DashboardConfig): Operator[] {
  const out: Operator[] = config.operators.map((o) => ({ ...o }));
  if (config.token && config.operatorToken)
    out.push({ name: SINGLE_OPERATOR, loginToken: config.token, operatorToken: config.operatorToken });
  return out;
}

/** The operator a typed token belongs to; every token is compared (constant time), so timing tells nothing. */
export function operatorByToken(operators: readonly Operator[], token: string): Operator | null {
  let found: Operator | null = null;
  for (const o of operators) if (safeEqual(token, o.loginToken) && !found) found = o;
  return found;
}
