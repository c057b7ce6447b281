import { isNeedsReauth } from '@agent-ops/contracts/errors';
import type { AccountHealthBoard } from './account-health.ts';
import type { ChannelAdapter } from './adapter.ts';
import type { Logger } from './logger.ts';
import { scrubSecrets } from './scrub.ts';

export type AccountCheckerOptions = { accountCheckMs: number; reauthCheckMs: number };

/**
 * Runs the adapter's cheap login check for each of its accounts when it is due: at start,
 * every `accountCheckMs`, and every `reauthCheckMs` while an account needs a login, so that
 * once a person has logged in the account is `ok` again and its held intents go on. A check
 * that cannot tell (the API unreachable) changes nothing: only a refusal or a success does.
 */
export class AccountChecker {
  private readonly adapter: ChannelAdapter;
  private readonly board: AccountHealthBoard;
  private readonly o: AccountCheckerOptions;
  private readonly log: Logger;
  private readonly lastChecked = new Map<string, number>();

  constructor(adapter: ChannelAdapter, board: AccountHealthBoard, o: AccountCheckerOptions, log: Logger) {
    this.adapter = adapter;
    this.board = board;
    this.o = o;
    this.log = log;
  }

  /** Checks, all at once, every account whose check is due; resolves when they are done. */
  async tick(now = Date.now()): Promise<void> {
    const { adapter } = this;
    if (!adapter.checkAccount) return;
    // An account held for its login is checked even if the adapter does not list it: that
    // check is the only way its intents go on.
    const held = this.board.accountsNeedingReauth().filter((a) => adapter.hasAccount(a));
    const names = new Set([...(adapter.accountNames?.() ?? []), ...held]);
    const due = [...names].filter((account) => {
      const every = this.board.needsReauth(account) ? this.o.reauthCheckMs : this.o.accountCheckMs;
      const last = this.lastChecked.get(account);
      return last === undefined || now - last >= every;
    });
    for (const account of due) this.lastChecked.set(account, now);
    await Promise.all(due.map((account) => this.check(account)));
  }

  private async check(account: string): Promise<void> {
    try {
      await this.adapter.checkAccount?.(account);
      await this.board.record(account, 'ok', null);
    } catch (err) {
      const message = scrubSecrets(
        String((err as { message?: unknown }).message ?? err),
        this.adapter.secretValues(),
      );
      if (isNeedsReauth(err)) {
        await this.board.record(account, 'needs_reauth', message);
        return;
      }
      this.log.warn({ account, error: message }, 'account check could not tell; its record stays');
    }
  }
}
