import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

export type TelegramSent = {
  message_id: number;
  chat_id: string;
  text: string;
  date: number;
  token: string;
};

export type FakeTelegramCall = {
  method: string;
  token: string;
  body: Record<string, unknown> | null;
  at: number;
  acted: boolean;
  answer?: { status: number; description?: string };
};

export type FakeTelegramFault =
  /** 429 with `parameters.retry_after` (seconds), as Telegram's flood control answers. */
  | { kind: 'flood'; retryAfterSec: number }
  | { kind: 'status'; status: number; description: string }
  | { kind: 'act_then_hang' }
  | { kind: 'act_then_drop' }
  | { kind: 'hold' };

/** Telegram's longest message text. */
const MAX_TEXT = 4096;

/**
 * The Bot API's `sendMessage` as core.telegram.org/bots/api describes it: `POST
 * /bot<token>/sendMessage` with JSON `{chat_id, text, ...}` answers `{"ok": true, "result":
 * Message}`; a failure is `{"ok": false, "error_code", "description"}` with the same HTTP
 * status, e.g. 401 "Unauthorized" for a wrong token, 400 "Bad Request: chat not found", 403
 * "Forbidden: bot was blocked by the user", and 429 "Too Many Requests: retry after N" with
 * `parameters.retry_after` (ResponseParameters). A bot cannot read back what it sent, which is
 * why the executor cannot reconcile a Telegram message.
 */
export class FakeTelegram {
  readonly calls: FakeTelegramCall[] = [];
  readonly sent: TelegramSent[] = [];
  latencyMs = 0;
  outageUntil = 0;
  onAct: ((sent: TelegramSent) => void | Promise<void>) | null = null;
  url = '';
  private faults: FakeTelegramFault[] = [];
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));
  /** bot token -> the chat ids it may write to (chats that started the bot). */
  private readonly bots: Record<string, string[]>;
  /** Chats whose person blocked the bot. */
  readonly blocked = new Set<string>();

  constructor(bots: Record<string, string[]>) {
    this.bots = bots;
  }

  async start(port = 0): Promise<this> {
    this.url = await this.server.listen(port);
    return this;
  }

  stop(): Promise<void> {
    return this.server.close();
  }

  inject(fault: FakeTelegramFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
  }

  toChat(chatId: string): TelegramSent[] {
    return this.sent.filter((m) => m.chat_id === chatId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://fake').pathname);
    const token = m?.[1] ?? '';
    const method = m?.[2] ?? '';
    let body: Record<string, unknown> | null = null;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      body = null;
    }
    const call: FakeTelegramCall = { method, token, body, at: Date.now(), acted: false };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.shift();
    if (fault?.kind === 'hold') return;
    if (!m) return this.fail(call, res, 404, 'Not Found');
    const chats = this.bots[token];
    if (!chats) return this.fail(call, res, 401, 'Unauthorized');
    if (method !== 'sendMessage') return this.fail(call, res, 404, 'Not Found: method not found');
    if (Date.now() < this.outageUntil) return this.fail(call, res, 502, 'Bad Gateway');
    if (fault?.kind === 'flood') {
      return this.fail(call, res, 429, `Too Many Requests: retry after ${fault.retryAfterSec}`, {
        retry_after: fault.retryAfterSec,
      });
    }
    if (fault?.kind === 'status') return this.fail(call, res, fault.status, fault.description);
    if (!body) return this.fail(call, res, 400, "Bad Request: can't parse JSON");
    const chatId = body.chat_id === undefined ? '' : String(body.chat_id);
    const text = typeof body.text === 'string' ? body.text : '';
    if (!chatId) return this.fail(call, res, 400, 'Bad Request: chat_id is empty');
    if (!text.trim()) return this.fail(call, res, 400, 'Bad Request: message text is empty');
    if ([...text].length > MAX_TEXT) return this.fail(call, res, 400, 'Bad Request: message is too long');
    if (!chats.includes(chatId)) return this.fail(call, res, 400, 'Bad Request: chat not found');
    if (this.blocked.has(chatId)) return this.fail(call, res, 403, 'Forbidden: bot was blocked by the user');
    const sent: TelegramSent = {
      message_id: this.sent.length + 1,
      chat_id: chatId,
      text,
      date: Math.floor(Date.now() / 1000),
      token,
    };
    this.sent.push(sent);
    call.acted = true;
    await this.onAct?.(sent);
    if (fault?.kind === 'act_then_drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'act_then_hang') return;
    this.json(call, res, 200, {
      ok: true,
      result: {
        message_id: sent.message_id,
        from: { id: 1, is_bot: true, first_name: 'agent-ops' },
        chat: { id: Number(chatId) || chatId, type: 'private' },
        date: sent.date,
        text,
      },
    });
  }

  private fail(
    call: FakeTelegramCall,
    res: ServerResponse,
    status: number,
    description: string,
    parameters?: Record<string, unknown>,
  ): void {
    call.answer = { status, description };
    this.json(call, res, status, {
      ok: false,
      error_code: status,
      description,
      ...(parameters ? { parameters } : {}),
    });
  }

  private json(call: FakeTelegramCall, res: ServerResponse, status: number, body: unknown): void {
    call.answer ??= { status };
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }
}
