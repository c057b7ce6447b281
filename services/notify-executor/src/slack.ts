import type { EffectResult } from '@agent-ops/runtime/adapter';
import { classifyHttp } from '@agent-ops/runtime/http-outcome';
import { type Alert, slackEscape } from './alert-text.ts';
import { httpCall, refusedUnprocessed } from './http-call.ts';
import type { DestinationOf } from './notify-secrets.ts';

type Slack = DestinationOf<'slack'>;

/**
 * An incoming webhook (docs.slack.dev "Sending messages using incoming webhooks"; Mattermost
 * and Rocket.Chat take the same): JSON `{text}` answers 200 `ok`; its errors are plain-text
 * codes (`invalid_payload`, `no_text`, `channel_not_found`, `channel_is_archived`,
 * `action_prohibited`, `no_service`) that no wait will change, and 429 carries Retry-After.
 */
export async function postSlack(name: string, d: Slack, alert: Alert, key: string): Promise<EffectResult> {
  const who = `Slack webhook ${name}`;
  const link = alert.link ? `\n<${alert.link}|Open>` : '';
  const text = `*${slackEscape(alert.title)}*\n${slackEscape(alert.text)}${link}`;
  const res = await httpCall(
    who,
    d.webhookUrl,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) },
    d.timeoutMs,
  );
  if (res.status === 200) return { externalId: `slack:${name}:${key}`, url: null };
  throw classifyHttp({
    who,
    status: res.status,
    detail: res.text.trim().slice(0, 200),
    headers: res.headers,
    idempotent: refusedUnprocessed(res.status),
    // The URL is the credential; a removed webhook answers 404 no_service, a refusal like the others.
    login: false,
  });
}
