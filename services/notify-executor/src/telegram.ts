import { LIMITS } from '@agent-ops/contracts/limits';
import type { EffectResult } from '@agent-ops/runtime/adapter';
import { classifyHttp } from '@agent-ops/runtime/http-outcome';
import { type Alert, plainMessage } from './alert-text.ts';
import { httpCall, refusedUnprocessed } from './http-call.ts';
import type { DestinationOf } from './notify-secrets.ts';

type Telegram = DestinationOf<'telegram'>;

type BotAnswer = {
  ok?: boolean;
  description?: string;
  result?: { message_id?: number };
  parameters?: { retry_after?: number };
};

/**
 * `sendMessage` of the Bot API (core.telegram.org/bots/api#sendmessage), as plain text so that
 * nothing in an alert is read as markup. Its answer says `ok`; a 429 names the wait in
 * `parameters.retry_after` (seconds) rather than in a header; a 401 (or the 404 a malformed
 * token gets) means the bot's token is wrong.
 */
export async function sendTelegram(name: string, d: Telegram, alert: Alert): Promise<EffectResult> {
  const who = `Telegram ${name}`;
  const res = await httpCall(
    who,
    `${d.apiBaseUrl.replace(/\/$/, '')}/bot${d.botToken}/sendMessage`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        chat_id: d.chatId,
        text: plainMessage(alert, LIMITS.notifyTextChars),
        link_preview_options: { is_disabled: true },
        disable_notification: alert.priority === 'low',
      }),
    },
    d.timeoutMs,
  );
  let answer: BotAnswer = {};
  try {
    answer = JSON.parse(res.text) as BotAnswer;
  } catch {
    // Not the Bot API's JSON (a proxy's error page): the status decides.
  }
  if (res.status === 200 && answer.ok) {
    return { externalId: `telegram:${d.chatId}:${answer.result?.message_id ?? 'sent'}`, url: null };
  }
  const retryAfter = answer.parameters?.retry_after;
  throw classifyHttp({
    who,
    status: res.status,
    detail: answer.description,
    headers: res.headers,
    resetAt: typeof retryAfter === 'number' ? Date.now() + retryAfter * 1000 : null,
    idempotent: refusedUnprocessed(res.status),
    login: true,
    loginRefused: res.status === 404 && answer.description === 'Not Found',
  });
}
