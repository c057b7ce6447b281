import type { EffectResult } from '@agent-ops/runtime/adapter';
import { classifyHttp } from '@agent-ops/runtime/http-outcome';
import type { Alert } from './alert-text.ts';
import { httpCall, refusedUnprocessed } from './http-call.ts';
import type { DestinationOf } from './notify-secrets.ts';

type Ntfy = DestinationOf<'ntfy'>;

const PRIORITY = { low: 2, default: 3, high: 4 } as const;

function headers(d: Ntfy): Record<string, string> {
  return d.token ? { authorization: `Bearer ${d.token}` } : {};
}

function errorOf(text: string): string {
  try {
    return String((JSON.parse(text) as { error?: unknown }).error ?? '');
  } catch {
    return '';
  }
}

/**
 * Publishes as JSON (`POST /` with the topic in the body; docs.ntfy.sh/publish), so titles and
 * text in any script arrive intact, which header fields would not carry.
 */
export async function publishNtfy(name: string, d: Ntfy, alert: Alert): Promise<EffectResult> {
  const who = `ntfy ${name}`;
  const body = JSON.stringify({
    topic: d.topic,
    title: alert.title,
    message: alert.text,
    priority: PRIORITY[alert.priority],
    ...(alert.link
      ? { click: alert.link, actions: [{ action: 'view', label: 'Open', url: alert.link }] }
      : {}),
  });
  const res = await httpCall(
    who,
    `${d.server.replace(/\/$/, '')}/`,
    { method: 'POST', headers: { ...headers(d), 'content-type': 'application/json' }, body },
    d.timeoutMs,
  );
  if (res.status >= 200 && res.status < 300) {
    let id = '';
    try {
      id = String((JSON.parse(res.text) as { id?: unknown }).id ?? '');
    } catch {
      // A 2xx whose body is not ntfy's message: it was published all the same.
    }
    return { externalId: `ntfy:${id || 'published'}`, url: null };
  }
  // A 5xx to a publish may have been stored: reconcile looks in the topic's cache.
  throw classifyHttp({
    who,
    status: res.status,
    detail: errorOf(res.text),
    headers: res.headers,
    idempotent: refusedUnprocessed(res.status),
    login: Boolean(d.token),
  });
}

/**
 * Looks for the alert among the topic's cached messages since the first attempt (`GET
 * /<topic>/json?poll=1&since=<unix>`): the same title and text is this alert. Throws when the
 * server cannot be asked now; null when it is not there.
 */
export async function findNtfy(
  name: string,
  d: Ntfy,
  alert: Alert,
  since: Date,
): Promise<EffectResult | null> {
  const who = `ntfy ${name}`;
  const from = Math.floor(since.getTime() / 1000) - 5;
  const res = await httpCall(
    who,
    `${d.server.replace(/\/$/, '')}/${d.topic}/json?poll=1&since=${from}`,
    { method: 'GET', headers: headers(d) },
    d.timeoutMs,
  );
  if (res.status !== 200)
    throw classifyHttp({
      who,
      status: res.status,
      detail: errorOf(res.text),
      idempotent: true,
      login: Boolean(d.token),
    });
  for (const line of res.text.split('\n')) {
    if (!line.trim()) continue;
    let m: { id?: string; event?: string; title?: string; message?: string };
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    if (m.event === 'message' && m.message === alert.text && (m.title ?? '') === alert.title)
      return { externalId: `ntfy:${m.id ?? 'published'}`, url: null };
  }
  return null;
}
