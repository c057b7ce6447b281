import { NonRetryableError, OutcomeUnknownError, RetryAfterError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import type {
  ChannelAdapter,
  EffectContext,
  EffectResult,
  ReconcileResult,
} from '@agent-ops/runtime/adapter';
import type { EmailAccount } from './email-secrets.ts';
import { finalDotMark, lastFinalDot } from './final-dot.ts';
import { GmailSentLookup } from './gmail-sent.ts';
import { ImapSentLookup } from './imap-sent.ts';
import { messageIdFor } from './message-id.ts';
import type { SentLookup } from './sent-lookup.ts';
import { type GmailEndpoints, SentUnknownError, sendWithFinalDotMark, verifyLogin } from './smtp-send.ts';

type EmailIntent = ChannelIntent<'email'>;

export type EmailAdapterOptions = { gmail?: GmailEndpoints };

export class EmailAdapter implements ChannelAdapter<'email'> {
  readonly channel = 'email' as const;
  private readonly source: Map<string, EmailAccount> | (() => Map<string, EmailAccount>);
  private readonly gmail: GmailEndpoints;
  /** Per account, the Sent lookup made from its settings as they were then. */
  private readonly lookups = new Map<string, { from: EmailAccount; lookup: SentLookup | null }>();
  /** Every secret value seen, old ones too: an answer to a call made before a reload may name one. */
  private readonly secrets = new Set<string>();

  /**
   * `accounts`: the accounts, or how to get them as they are now (the secrets file, re-read
   * when `ops login` rewrites it); a message is sent on a connection of its own, so a renewed
   * login is used from the next one.
   */
  constructor(
    accounts: Map<string, EmailAccount> | (() => Map<string, EmailAccount>),
    options: EmailAdapterOptions = {},
  ) {
    this.source = accounts;
    this.gmail = options.gmail ?? {};
  }

  private get accounts(): Map<string, EmailAccount> {
    return typeof this.source === 'function' ? this.source() : this.source;
  }

  hasAccount(account: string): boolean {
    return this.accounts.has(account);
  }

  rateLimitGroup(): string {
    return 'send';
  }

  refuse(intent: EmailIntent): { code: string; message: string } | null {
    const allowed = this.accounts.get(intent.account)?.allowedFrom ?? [];
    const from = intent.payload.from.toLowerCase();
    if (allowed.some((a) => a.toLowerCase() === from)) return null;
    return {
      code: 'sender_not_allowed',
      message: `payload.from: ${intent.payload.from} is not an allowed sender of ${intent.account}`,
    };
  }

  accountNames(): readonly string[] {
    return [...this.accounts.keys()];
  }

  /** SMTP connect and login without sending (for Gmail, a token refresh first). */
  async checkAccount(name: string): Promise<void> {
    const account = this.accounts.get(name);
    if (!account) throw new NonRetryableError(`account ${name} has no email settings`, 'unknown_account');
    await verifyLogin(account, this.gmail);
  }

  secretValues(): readonly string[] {
    for (const a of this.accounts.values()) {
      if (a.smtp?.password) this.secrets.add(a.smtp.password);
      if (a.gmail) for (const s of [a.gmail.clientSecret, a.gmail.refreshToken]) this.secrets.add(s);
      if (a.imap) this.secrets.add(a.imap.password);
    }
    return [...this.secrets];
  }

  private account(intent: EmailIntent): EmailAccount {
    const account = this.accounts.get(intent.account);
    if (!account)
      throw new NonRetryableError(`account ${intent.account} has no email settings`, 'unknown_account');
    return account;
  }

  private messageId(intent: EmailIntent, account: EmailAccount): string {
    const domain = account.messageIdDomain ?? (intent.payload.from.split('@')[1] as string);
    return messageIdFor(intent.idempotencyKey, domain);
  }

  async perform(intent: EmailIntent, ctx: EffectContext): Promise<EffectResult> {
    const account = this.account(intent);
    const messageId = this.messageId(intent, account);
    await sendWithFinalDotMark({
      account,
      gmail: this.gmail,
      messageId,
      mail: intent.payload,
      mark: ctx.mark,
    });
    return { externalId: messageId, url: null };
  }

  private lookup(accountName: string, account: EmailAccount): SentLookup | null {
    const existing = this.lookups.get(accountName);
    if (existing?.from === account) return existing.lookup;
    const timeoutMs = account.timeouts.socketMs;
    const lookup = account.gmail
      ? new GmailSentLookup(account.gmail, this.gmail, timeoutMs)
      : account.imap
        ? new ImapSentLookup(account.imap, account.timeouts)
        : null;
    this.lookups.set(accountName, { from: account, lookup });
    return lookup;
  }

  /**
   * An attempt that never reached its final dot cannot have been accepted (RFC 5321 §4.1.1.4),
   * so without a `final_dot` mark the message is sent (again, with the same Message-ID). With
   * one, the provider's Sent mail is asked where it can be (Gmail API, IMAP); what stays open is
   * parked for a person, or sent again where the account chose `atLeastOnce`.
   */
  async reconcile(intent: EmailIntent, ctx: EffectContext): Promise<ReconcileResult> {
    const account = this.account(intent);
    // The marks of every attempt still in doubt, this one's included (the runtime adds them).
    const dotAt = lastFinalDot(ctx.previousMarks);
    if (dotAt === null) return { outcome: 'not_done' };

    const messageId = this.messageId(intent, account);
    const lookup = this.lookup(intent.account, account);
    if (!lookup) {
      if (account.atLeastOnce) return { outcome: 'not_done' };
      return {
        outcome: 'unknown',
        reason:
          'the final dot of DATA was written and SMTP cannot tell whether the server accepted it; check the recipient or the sent folder, then resolve',
      };
    }
    // Throws when the provider cannot be asked now: the runtime keeps the attempt armed and comes back.
    if ((await lookup.find(messageId)) === 'found') {
      return { outcome: 'done', result: { externalId: messageId, url: null } };
    }
    const waitedMs = Date.now() - dotAt;
    if (waitedMs < account.sentSettleMs) {
      throw new RetryAfterError(
        `${messageId} is not in Sent ${Math.round(waitedMs / 1000)} s after its final dot; asking again until ${Math.round(account.sentSettleMs / 1000)} s have passed`,
        account.sentSettleMs - waitedMs,
        'not_in_sent_yet',
      );
    }
    return { outcome: 'not_done' };
  }
}
