import { isOutcomeUnknown, NonRetryableError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import type {
  ChannelAdapter,
  EffectContext,
  EffectResult,
  ReconcileResult,
} from '@agent-ops/runtime/adapter';
import type { Destination } from './notify-secrets.ts';
import { findNtfy, publishNtfy } from './ntfy.ts';
import { postSlack } from './slack.ts';
import { sendTelegram } from './telegram.ts';

type NotifyIntent = ChannelIntent<'notify'>;

/** The point of no return: written just before the request leaves, so a takeover knows whether it might have. */
const SENT = 'sent';

/** ntfy topics shorter than this are guessable names, not secrets worth scrubbing from messages. */
const SECRET_TOPIC_CHARS = 8;

/**
 * Alerts to people. An intent names a destination configured in the executor's secrets
 * (an ntfy topic, a Telegram chat, a Slack-compatible webhook), never an address, so the
 * coordinator holds none of their tokens and a producer cannot send anywhere else.
 */
export class NotifyAdapter implements ChannelAdapter<'notify'> {
  readonly channel = 'notify' as const;
  private readonly destinations: Map<string, Map<string, Destination>>;
  /**
   * Keys whose request left this process in an attempt still in doubt, with that attempt: the
   * runtime reconciles such an attempt right after it, and its own mark is not among the
   * `previousMarks` (those are of attempts that died).
   */
  private readonly inDoubtHere = new Map<string, number>();

  constructor(destinations: Map<string, Map<string, Destination>>) {
    this.destinations = destinations;
  }

  hasAccount(account: string): boolean {
    return this.destinations.has(account);
  }

  rateLimitGroup(): string {
    return 'send';
  }

  private destination(intent: NotifyIntent): Destination | undefined {
    return this.destinations.get(intent.account)?.get(intent.payload.destination);
  }

  refuse(intent: NotifyIntent): { code: string; message: string } | null {
    if (this.destination(intent)) return null;
    return {
      code: 'unknown_destination',
      message: `payload.destination: ${intent.payload.destination} is not configured for account ${intent.account}`,
    };
  }

  secretValues(): readonly string[] {
    const out: string[] = [];
    for (const destinations of this.destinations.values()) {
      for (const d of destinations.values()) {
        if (d.kind === 'ntfy') {
          if (d.token) out.push(d.token);
          if (d.topic.length >= SECRET_TOPIC_CHARS) out.push(d.topic);
        } else if (d.kind === 'telegram') out.push(d.botToken);
        else out.push(d.webhookUrl, new URL(d.webhookUrl).pathname);
      }
    }
    return out;
  }

  async perform(intent: NotifyIntent, ctx: EffectContext): Promise<EffectResult> {
    const d = this.destination(intent);
    const name = intent.payload.destination;
    if (!d) throw new NonRetryableError(`destination ${name} is not configured`, 'unknown_destination');
    await ctx.mark(SENT);
    try {
      if (d.kind === 'ntfy') return await publishNtfy(name, d, intent.payload);
      if (d.kind === 'telegram') return await sendTelegram(name, d, intent.payload);
      return await postSlack(name, d, intent.payload, intent.idempotencyKey);
    } catch (err) {
      if (isOutcomeUnknown(err)) this.inDoubtHere.set(intent.idempotencyKey, ctx.attempt);
      throw err;
    }
  }

  /**
   * An attempt that never reached its request cannot have sent anything. ntfy keeps what it
   * published, so its topic is asked; Telegram and Slack cannot be, so a request that may have
   * reached them parks (or is sent again, where the destination says `onDoubt: resend`).
   */
  async reconcile(intent: NotifyIntent, ctx: EffectContext): Promise<ReconcileResult> {
    const d = this.destination(intent);
    const leftHere = this.inDoubtHere.get(intent.idempotencyKey) === ctx.attempt;
    this.inDoubtHere.delete(intent.idempotencyKey);
    if (!d || (!leftHere && !ctx.previousMarks.includes(SENT))) return { outcome: 'not_done' };
    if (d.kind === 'ntfy') {
      const found = await findNtfy(intent.payload.destination, d, intent.payload, ctx.startedAt);
      return found ? { outcome: 'done', result: found } : { outcome: 'not_done' };
    }
    if (d.onDoubt === 'resend') return { outcome: 'not_done' };
    const where = d.kind === 'telegram' ? 'the Telegram chat' : 'the Slack channel';
    return {
      outcome: 'unknown',
      reason: `${where} cannot be asked whether the alert arrived; look there, then resolve (or set onDoubt: resend)`,
    };
  }
}
