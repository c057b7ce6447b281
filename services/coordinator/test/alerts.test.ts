import { COORDINATOR_GROUP, channelKeys } from '@agent-ops/contracts/keys';
import { receipts } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { alertKeys } from '../src/alerts/alert-keys.ts';
import { verifyApprovalRef } from '../src/alerts/approval-link.ts';
import { AlertsWorld, BOT, HOOK, LINK_KEY } from './alerts-world.ts';

let w: AlertsWorld;

beforeAll(async () => {
  w = await new AlertsWorld(inject('redisUrl')).start({});
}, 60_000);
afterEach(() => {
  // A failed test must not leave the next one in an outage.
  if (w) w.webhook.outageUntil = 0;
});
afterAll(async () => {
  await w?.stop();
});

const hook = (key: string, account = 'ops-hooks') => ({
  v: 1,
  idempotencyKey: key,
  action: 'webhook.call',
  account,
  payload: { endpoint: 'deploy', body: { key } },
});

/** Nothing waits for a digest and every alert intent has its receipt. */
async function drained(): Promise<boolean> {
  const k = alertKeys(w.prefix);
  for (const d of ['ana-phone', 'ana-tg', 'team', 'ana-mail']) {
    if ((await w.redis.exists(k.pending(d), k.batch(d))) > 0) return false;
  }
  for (const channel of ['notify', 'email'] as const) {
    const open = await w.operator.list({ channel, state: 'queued', limit: 500 });
    if (open.records.some((r) => r.idempotencyKey.startsWith('alert.'))) return false;
  }
  return true;
}

/** How many alerts each destination got that mention `marker`. */
function count(marker: string): Record<string, number> {
  return Object.fromEntries(
    Object.entries(w.delivered()).map(([d, texts]) => [d, texts.filter((t) => t.includes(marker)).length]),
  );
}

const everywhere = { 'ana-phone': 1, 'ana-tg': 1, team: 0, 'ana-mail': 1 };
const bobToo = { 'ana-phone': 1, 'ana-tg': 1, team: 1, 'ana-mail': 1 };

async function until(marker: string, want: Record<string, number>): Promise<void> {
  await waitFor(
    () => Object.entries(want).every(([d, n]) => (count(marker)[d] ?? 0) >= n),
    `alerts mentioning ${marker} at ${Object.keys(want).join(', ')}`,
    30_000,
  );
}

describe('alerts: one per event and destination, sent by the hands', () => {
  it('alerts every event once at each destination its people chose, with a signed link for approvals', async () => {
    await w.producer.submit(hook('appr-1', 'acme'));
    w.webhook.inject({ kind: 'status', status: 400 });
    await w.producer.submit(hook('fail-1'));
    await w.redis.xadd(channelKeys(w.prefix, 'webhook').intents, '*', 'intent', '{"v":1,"oops":true}');
    w.subjectMail.inject({ kind: 'act_then_drop' });
    await w.producer.submit({
      v: 1,
      idempotencyKey: 'mail-1',
      action: 'email.send',
      account: 'acme-mail',
      payload: { from: 'team@acme.example', to: ['x@example.com'], subject: 'hi', text: 'hello' },
    });
    const state = async (key: string) => (await w.operator.get(key)).record.state;
    await waitFor(async () => (await state('fail-1')) === 'failed', 'fail-1 to fail');
    await waitFor(async () => (await state('mail-1')) === 'unknown', 'mail-1 to park');
    await w.killExecutor('calendar-executor');
    // The outage comes once fail-1 has had its 400, so that its fault is not spent on a 503.
    w.webhook.outageUntil = Date.now() + 600_000;
    for (let i = 0; i < 4; i += 1) await w.producer.submit(hook(`storm-${i}`));

    await until('(appr-1) waits', everywhere);
    await until('(appr-1) lapses', everywhere);
    await until('(fail-1) failed', bobToo);
    await until('to the deadletter stream', bobToo);
    await until('(mail-1) may or may not', everywhere);
    await until('the breaker of ops-hooks', bobToo);
    await until('calendar: no executor', everywhere);
    w.webhook.outageUntil = 0;
    await waitFor(
      async () => (await w.operator.get('storm-3')).record.state === 'succeeded',
      'the storm to pass',
      30_000,
    );
    await waitFor(drained, 'every alert delivered', 30_000);

    expect(count('(appr-1) waits')).toEqual(everywhere);
    expect(count('(appr-1) lapses')).toEqual(everywhere);
    expect(count('(fail-1) failed')).toEqual(bobToo);
    expect(count('to the deadletter stream')).toEqual(bobToo);
    expect(count('(mail-1) may or may not')).toEqual(everywhere);
    expect(count('the breaker of ops-hooks')).toEqual(bobToo);
    expect(count('calendar: no executor')).toEqual(everywhere);
    // The link opens the dashboard's view of that approval, signed for the dashboard's key only.
    const link = /https:\/\/ops\.example\.test\/approve\/(\S+)/.exec(
      w.delivered()['ana-tg']?.find((t) => t.includes('(appr-1) waits')) ?? '',
    )?.[1];
    expect(verifyApprovalRef(LINK_KEY, link ?? '')).toMatchObject({
      ok: true,
      ref: { channel: 'webhook', key: 'appr-1' },
    });
    expect(verifyApprovalRef('another-key-of-32-characters-000000', link ?? '').ok).toBe(false);
    // Alerts are intents like any other: receipted, by the executors.
    const alerts = await w.operator.list({ channel: 'notify', limit: 200 });
    expect(alerts.records.length).toBeGreaterThan(0);
    expect(
      alerts.records.every((r) => r.state === 'succeeded' && r.receipt?.executor !== 'coordinator'),
    ).toBe(true);
  }, 120_000);

  it('a coordinator restart mid-digest, a replay of every receipt and deadletter entry, and SIGKILLs mid-delivery alert nothing twice', async () => {
    // Restart while the event waits for its digest (queued, no flush yet).
    w.webhook.inject({ kind: 'status', status: 400 });
    await w.producer.submit(hook('fail-2'));
    const seen = alertKeys(w.prefix).seen;
    await waitFor(
      async () =>
        (await w.redis.zscore(
          seen,
          `ana-phone|failed.webhook.fail-2.${(await w.operator.get('fail-2')).record.receipt?.intentId}`,
        )) !== null,
      'fail-2 queued for its digest',
      // As long as every other wait of this file: a receipt, its record and its alert on a loaded machine.
      30_000,
    );
    await w.restartCoordinator();
    await until('(fail-2) failed', bobToo);

    // A replay: the projection reads every receipt again, the scan every deadletter entry.
    const before = JSON.stringify(w.delivered());
    await w.coordinator.close();
    for (const channel of ['webhook', 'email', 'notify'] as const)
      await w.redis.xgroup('SETID', channelKeys(w.prefix, channel).receipts, COORDINATOR_GROUP, '0');
    await w.redis.hset(alertKeys(w.prefix).deadletterCursors, 'webhook', '0-0');
    await w.startCoordinator();
    const lastDeadletter = (
      await w.redis.xrevrange(channelKeys(w.prefix, 'webhook').deadletter, '+', '-', 'COUNT', 1)
    )[0]?.[0];
    await waitFor(
      async () => (await w.redis.hget(alertKeys(w.prefix).deadletterCursors, 'webhook')) === lastDeadletter,
      'the deadletter stream read again',
    );
    await waitFor(async () => {
      const groups = (await w.redis.call(
        'XINFO',
        'GROUPS',
        channelKeys(w.prefix, 'webhook').receipts,
      )) as unknown[][];
      const g = groups.find((x) => x[1] === COORDINATOR_GROUP) as unknown[];
      return Number(g[g.indexOf('lag') + 1]) === 0 && Number(g[g.indexOf('pending') + 1]) === 0;
    }, 'every receipt read again');
    await waitFor(drained, 'nothing left to deliver');
    expect(JSON.stringify(w.delivered())).toBe(before);

    // SIGKILL the notify and email executors while each destination has the alert but has not answered.
    for (const f of [w.ntfy, w.telegram, w.slack]) f.inject({ kind: 'act_then_hang' });
    w.mail.inject({ kind: 'act_then_hang' });
    w.webhook.inject({ kind: 'status', status: 400 });
    await w.producer.submit(hook('fail-3'));
    await until('(fail-3) failed', bobToo);
    await Promise.all([w.killExecutor('notify-executor'), w.killExecutor('email-executor')]);
    await Promise.all([w.startExecutor('notify-executor'), w.startExecutor('email-executor')]);
    await waitFor(drained, 'the alerts settled by the new executors', 30_000);
    expect(count('(fail-3) failed')).toEqual(bobToo);
    // ntfy was asked and had it; Telegram, Slack and SMTP cannot be asked: parked for a person, never sent twice.
    const states = async (channel: 'notify' | 'email') =>
      (await w.operator.list({ channel, limit: 500 })).records
        .filter((r) => r.state === 'unknown' && r.idempotencyKey.startsWith('alert.'))
        .map((r) =>
          r.intent && 'destination' in r.intent.payload ? r.intent.payload.destination : r.channel,
        )
        .sort();
    expect(await states('notify')).toEqual(['ana-tg', 'team']);
    expect(await states('email')).toEqual(['email']);
    // No destination's secret in any record, stream or log line of the run.
    const stored: string[] = [];
    for (const channel of ['notify', 'email', 'webhook'] as const) {
      const k = channelKeys(w.prefix, channel);
      for (const stream of [k.receipts, k.deadletter, k.intents])
        stored.push(JSON.stringify(await w.redis.xrange(stream, '-', '+')));
      stored.push(JSON.stringify(await w.redis.hgetall(k.records)));
    }
    stored.push(...[...w.executors.values()].map((p) => p.output()));
    for (const secret of [BOT, HOOK, 'tk_alerts_ntfy_secret_0123'])
      expect(stored.join('\n')).not.toContain(secret);
  }, 120_000);

  it('a burst of 200 failures reaches a person as a digest, not 200 messages', async () => {
    const before = w.delivered()['ana-phone']?.length ?? 0;
    w.webhook.inject({ kind: 'status', status: 400 }, 200);
    for (let i = 0; i < 200; i += 1) {
      await w.redis.xadd(
        channelKeys(w.prefix, 'webhook').intents,
        '*',
        'intent',
        JSON.stringify(hook(`burst-${i}`)),
      );
    }
    const burstFailed = async () =>
      (await receipts(w.redis, w.prefix, 'webhook')).filter(
        (r) => r.idempotencyKey.startsWith('burst-') && r.status === 'failed',
      ).length;
    await waitFor(async () => (await burstFailed()) === 200, '200 failed receipts', 60_000).catch(
      async (err) => {
        throw new Error(
          `${err}: ${await burstFailed()} so far\n${w.executors.get('webhook-executor')?.output().slice(-2000)}`,
        );
      },
    );
    await waitFor(drained, 'the digests delivered', 30_000);
    const texts = (w.delivered()['ana-phone'] ?? []).slice(before);
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.length).toBeLessThanOrEqual(5);
    const covered = texts.reduce((n, t) => n + Number(/^agent-ops: (\d+) events/.exec(t)?.[1] ?? 1), 0);
    expect(covered).toBe(200);
    expect(texts.some((t) => /… and \d+ more on the dashboard\./.test(t))).toBe(true);
  }, 120_000);
});
