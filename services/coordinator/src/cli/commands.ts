import { readFileSync } from 'node:fs';
import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { INTENT_STATES, type IntentRecord, type IntentState } from '@agent-ops/contracts/intent-record';
import type { CoordinatorClient } from '../client.ts';
import { EXIT } from './exit-codes.ts';
import { readIntent, UsageError } from './read-intent.ts';
import { ago, table } from './table.ts';

export type Flags = Record<string, string | boolean | undefined>;
export type Out = { print: (line: string) => void; json: boolean };

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

function channelFlag(flags: Flags): Channel | undefined {
  const c = str(flags, 'channel');
  if (c !== undefined && !(CHANNELS as readonly string[]).includes(c)) {
    throw new UsageError(`--channel: must be one of ${CHANNELS.join(', ')}`);
  }
  return c as Channel | undefined;
}

function need(args: string[], index: number, what: string): string {
  const v = args[index];
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
}

function records(out: Out, list: IntentRecord[]): void {
  if (out.json) {
    out.print(JSON.stringify(list, null, 2));
    return;
  }
  out.print(
    table(
      ['KEY', 'STATE', 'ACTION', 'ACCOUNT', 'UPDATED', 'RESULT'],
      list.map((r) => [
        r.idempotencyKey,
        r.state,
        r.action,
        r.account,
        ago(r.updatedAt),
        r.receipt?.url ??
          r.receipt?.externalId ??
          r.receipt?.error?.code ??
          (r.approvalDeadline ? `approve by ${r.approvalDeadline}` : ''),
      ]),
    ),
  );
}

function one(out: Out, record: IntentRecord, verb: string): void {
  if (out.json) {
    out.print(JSON.stringify(record, null, 2));
    return;
  }
  out.print(`${verb}: ${record.idempotencyKey} is ${record.state}`);
  if (record.receipt?.url) out.print(`  ${record.receipt.url}`);
  if (record.receipt?.error) out.print(`  ${record.receipt.error.code}: ${record.receipt.error.message}`);
}

type Command = (client: CoordinatorClient, args: string[], flags: Flags, out: Out) => Promise<number>;

/** `ops <command>`: each returns the exit code; errors from the API are mapped by the caller. */
export const COMMANDS: Record<string, Command> = {
  async submit(client, _args, flags, out) {
    const intent = readIntent(flags as Record<string, string>, () => readFileSync(0, 'utf8'));
    const { created, record } = await client.submit(intent);
    one(out, record, created ? 'submitted' : 'already submitted');
    return EXIT.ok;
  },
  async status(client, args, flags, out) {
    const { record } = await client.get(
      need(args, 0, 'the idempotency key: ops status KEY'),
      channelFlag(flags),
    );
    if (out.json) out.print(JSON.stringify(record, null, 2));
    else records(out, [record]);
    return EXIT.ok;
  },
  async list(client, _args, flags, out) {
    const state = str(flags, 'state');
    if (state !== undefined && !(INTENT_STATES as readonly string[]).includes(state)) {
      throw new UsageError(`--state: must be one of ${INTENT_STATES.join(', ')}`);
    }
    const limit = str(flags, 'limit') ? Number(str(flags, 'limit')) : undefined;
    const { records: list } = await client.list({
      channel: channelFlag(flags),
      state: state as IntentState | undefined,
      account: str(flags, 'account'),
      limit,
    });
    records(out, list);
    return EXIT.ok;
  },
  async approvals(client, _args, _flags, out) {
    records(out, (await client.approvals()).records);
    return EXIT.ok;
  },
  async approve(client, args, flags, out) {
    one(
      out,
      (await client.approve(need(args, 0, 'the idempotency key: ops approve KEY'), str(flags, 'comment')))
        .record,
      'approved',
    );
    return EXIT.ok;
  },
  async reject(client, args, flags, out) {
    one(
      out,
      (await client.reject(need(args, 0, 'the idempotency key: ops reject KEY'), str(flags, 'comment')))
        .record,
      'rejected',
    );
    return EXIT.ok;
  },
  async cancel(client, args, flags, out) {
    one(
      out,
      (await client.cancel(need(args, 0, 'the idempotency key: ops cancel KEY'), str(flags, 'reason')))
        .record,
      'cancelled',
    );
    return EXIT.ok;
  },
  async replay(client, args, flags, out) {
    one(
      out,
      (await client.replay(need(args, 0, 'the idempotency key: ops replay KEY'), str(flags, 'reason')))
        .record,
      'replayed',
    );
    return EXIT.ok;
  },
  async resolve(client, args, flags, out) {
    const key = need(args, 0, 'the idempotency key: ops resolve KEY --done --external-id ID | --retry');
    const note = str(flags, 'note');
    if (flags.retry === true) {
      one(out, (await client.resolve(key, { outcome: 'retry', note })).record, 'retrying');
      return EXIT.ok;
    }
    const externalId = str(flags, 'external-id');
    if (flags.done !== true || !externalId)
      throw new UsageError('ops resolve KEY --done --external-id ID [--url URL] | --retry');
    one(
      out,
      (await client.resolve(key, { outcome: 'done', externalId, url: str(flags, 'url'), note })).record,
      'resolved',
    );
    return EXIT.ok;
  },
  async gate(client, args, flags, out) {
    const verb = args[0];
    if (verb === undefined) {
      const { gates } = await client.gates();
      if (out.json) out.print(JSON.stringify(gates, null, 2));
      else
        out.print(
          table(
            ['CHANNEL', 'GLOBAL', 'CHANNEL GATE', 'WHY'],
            gates.map((g) => [
              g.channel,
              g.global ? 'open' : 'CLOSED',
              g.channelOpen ? 'open' : 'CLOSED',
              (g.record ?? g.globalRecord)?.reason ?? '',
            ]),
          ),
        );
      return EXIT.ok;
    }
    if (verb !== 'on' && verb !== 'off')
      throw new UsageError(`ops gate [on|off] --reason WHY [--scope global|${CHANNELS.join('|')}]`);
    const reason = str(flags, 'reason');
    if (!reason) throw new UsageError('--reason is required: say why, it goes to the audit log');
    const scope = (str(flags, 'scope') ?? 'global') as 'global' | Channel;
    if (scope !== 'global' && !(CHANNELS as readonly string[]).includes(scope))
      throw new UsageError(`--scope: must be global or one of ${CHANNELS.join(', ')}`);
    const { gate } = await client.setGate(scope, verb === 'on', reason);
    if (out.json) out.print(JSON.stringify(gate, null, 2));
    else
      out.print(
        `gate ${scope} ${verb}${verb === 'off' ? (gate.settled ? ': no effect is running' : `: ${gate.inFlight} effects still running`) : ''}`,
      );
    return EXIT.ok;
  },
  async deadletter(client, args, flags, out) {
    if (args[0] === 'replay') {
      const channel = need(args, 1, 'the channel: ops deadletter replay CHANNEL ID') as Channel;
      one(
        out,
        (await client.replayDeadletter(channel, need(args, 2, 'the entry id'), str(flags, 'reason'))).record,
        'replayed',
      );
      return EXIT.ok;
    }
    if (args[0] !== undefined && args[0] !== 'list')
      throw new UsageError('ops deadletter [list] [--channel C] | ops deadletter replay CHANNEL ID');
    const channels = channelFlag(flags) ? [channelFlag(flags) as Channel] : [...CHANNELS];
    const entries = (await Promise.all(channels.map((c) => client.deadletter(c)))).flatMap((r) => r.entries);
    if (out.json) out.print(JSON.stringify(entries, null, 2));
    else
      out.print(
        table(
          ['CHANNEL', 'ID', 'RECEIVED', 'REASON'],
          entries.map((e) => [
            e.channel,
            e.id,
            ago(e.fields.receivedAt),
            (e.fields.reason ?? '').slice(0, 100),
          ]),
        ),
      );
    return EXIT.ok;
  },
  async tail(client, _args, flags, out) {
    const channels = channelFlag(flags) ? [channelFlag(flags) as Channel] : [...CHANNELS];
    const cursors = new Map(channels.map((c) => [c, '0-0']));
    const once = flags.once === true;
    for (;;) {
      for (const c of channels) {
        const { receipts } = await client.receipts(c, cursors.get(c));
        for (const { id, receipt } of receipts) {
          cursors.set(c, id);
          if (out.json) out.print(JSON.stringify(receipt));
          else
            out.print(
              `${receipt.finishedAt}  ${receipt.status.padEnd(9)}  ${receipt.idempotencyKey}  ${receipt.url ?? receipt.error?.code ?? ''}`,
            );
        }
      }
      if (once) return EXIT.ok;
      await new Promise((r) => setTimeout(r, 1000));
    }
  },
  async audit(client, _args, flags, out) {
    const { entries } = await client.audit(str(flags, 'count') ? Number(str(flags, 'count')) : 50);
    if (out.json) out.print(JSON.stringify(entries, null, 2));
    else
      out.print(
        table(
          ['AT', 'ACTOR', 'ACTION', 'KEY', 'WHY'],
          entries.map((e) => [e.at, e.actor, e.action, e.idempotencyKey ?? e.channel ?? '', e.reason ?? '']),
        ),
      );
    return EXIT.ok;
  },
  async doctor(client, _args, _flags, out) {
    const { checks } = await client.doctor();
    if (out.json) out.print(JSON.stringify(checks, null, 2));
    else
      out.print(
        table(
          ['', 'CHECK', 'DETAIL'],
          checks.map((c) => [c.ok ? (c.warn ? 'WARN' : 'ok') : 'FAIL', c.name, c.detail]),
        ),
      );
    return checks.every((c) => c.ok) ? EXIT.ok : EXIT.refused;
  },
};
