import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

/** One step of the script: call a tool (the first offered whose name matches), or answer text. */
export type ScriptStep = { tool: RegExp; args: Record<string, unknown> } | { text: string };

type ChatMessage = { role: string; content?: unknown; tool_call_id?: string };
type ChatRequest = {
  model?: string;
  stream?: boolean;
  messages?: ChatMessage[];
  tools?: Array<{ type: string; function: { name: string } }>;
};

/** A request as the model saw it: the tools offered and the tool results so far. */
export type ModelCall = { tools: string[]; toolResults: string[]; scripted: boolean; at: number };

/**
 * A stand-in for an OpenAI-compatible model on loopback (`POST /v1/chat/completions`, streamed
 * or not) that plays a fixed script: the Nth request after N-1 tool results gets step N. A step
 * whose tool is not offered is answered with text naming what was missing, so a test sees why.
 */
export class ScriptedModel {
  readonly calls: ModelCall[] = [];
  url = '';
  private readonly script: ScriptStep[];
  private readonly trigger: RegExp;
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));

  /** `trigger`: the script plays only in a conversation whose user text matches; others get "Noted." */
  constructor(script: ScriptStep[], trigger: RegExp = /./) {
    this.script = script;
    this.trigger = trigger;
  }

  async start(port = 0): Promise<this> {
    this.url = await this.server.listen(port);
    return this;
  }

  stop(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'GET' && path.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ object: 'list', data: [{ id: 'scripted', object: 'model', owned_by: 'test' }] }),
      );
      return;
    }
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(raw || '{}') as ChatRequest;
    const messages = body.messages ?? [];
    const toolResults = messages.filter((m) => m.role === 'tool').map((m) => contentText(m.content));
    const tools = (body.tools ?? []).map((t) => t.function.name);
    const asked = messages.some((m) => m.role === 'user' && this.trigger.test(contentText(m.content)));
    this.calls.push({ tools, toolResults, scripted: asked, at: Date.now() });
    const step = asked ? (this.script[toolResults.length] ?? { text: 'Done.' }) : { text: 'Noted.' };
    const reply = this.reply(step, tools, toolResults.length);
    if (body.stream) this.stream(res, body.model ?? 'scripted', reply);
    else this.whole(res, body.model ?? 'scripted', reply);
  }

  private reply(step: ScriptStep, tools: string[], n: number): Reply {
    if ('text' in step) return { text: step.text };
    const name = tools.find((t) => step.tool.test(t));
    if (!name) return { text: `scripted model: no tool matching ${step.tool} among ${tools.join(', ')}` };
    return { call: { id: `call_${n + 1}`, name, arguments: JSON.stringify(step.args) } };
  }

  private whole(res: ServerResponse, model: string, reply: Reply): void {
    const message = reply.call
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: reply.call.id,
              type: 'function',
              function: { name: reply.call.name, arguments: reply.call.arguments },
            },
          ],
        }
      : { role: 'assistant', content: reply.text };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${Date.now()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message, finish_reason: reply.call ? 'tool_calls' : 'stop' }],
        usage: USAGE,
      }),
    );
  }

  private stream(res: ServerResponse, model: string, reply: Reply): void {
    const base = {
      id: `chatcmpl-${Date.now()}`,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model,
    };
    const chunk = (
      delta: Record<string, unknown>,
      finish: string | null,
      extra: Record<string, unknown> = {},
    ) =>
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (reply.call) {
      res.write(
        chunk(
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                index: 0,
                id: reply.call.id,
                type: 'function',
                function: { name: reply.call.name, arguments: reply.call.arguments },
              },
            ],
          },
          null,
        ),
      );
      res.write(chunk({}, 'tool_calls', { usage: USAGE }));
    } else {
      res.write(chunk({ role: 'assistant', content: reply.text }, null));
      res.write(chunk({}, 'stop', { usage: USAGE }));
    }
    res.end('data: [DONE]\n\n');
  }
}

type Reply = { call?: { id: string; name: string; arguments: string }; text?: string };
const USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String(p.text) : '')).join('');
  return JSON.stringify(content ?? '');
}
