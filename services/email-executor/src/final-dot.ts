import { Readable } from 'node:stream';

/**
 * The name of the mark an attempt writes right before its final dot, with the sender's clock:
 * `final_dot@<epoch ms>`. The time is in the name because marks are names and the runtime
 * keeps one of each: a later attempt of the same key that reaches its own dot adds its own
 * mark, so reconcile knows how long ago the latest dot may have been written.
 */
const PREFIX = 'final_dot@';

export function finalDotMark(at: number): string {
  return `${PREFIX}${at}`;
}

/** When the latest of these attempts reached its final dot (epoch ms), or null if none did. */
export function lastFinalDot(marks: readonly string[]): number | null {
  let last: number | null = null;
  for (const m of marks) {
    if (!m.startsWith(PREFIX)) continue;
    // A mark without a readable time counts as written now: the longest wait, never a shorter one.
    const at = Number(m.slice(PREFIX.length));
    const when = Number.isFinite(at) && at > 0 ? at : Date.now();
    if (last === null || when > last) last = when;
  }
  return last;
}

/**
 * The message as nodemailer writes it after DATA, with its last chunk held back until
 * `beforeDot` has resolved. nodemailer's DataStream writes the final `<CRLF>.<CRLF>` when its
 * source ends (smtp-connection/data-stream.js `_flush`), and a server accepts a message only
 * after that dot (RFC 5321 §4.1.1.4), so nothing can be accepted before `beforeDot` is done.
 *
 * The input is read only once nodemailer pipes this stream into the connection, which it does
 * after the server's 354 to DATA: an attempt refused at MAIL FROM, RCPT TO or DATA never gets
 * to `beforeDot`. If `beforeDot` throws, this stream fails without ending: nodemailer reports
 * ESTREAM and closes the connection with the dot unwritten: a server processes a transaction
 * only on its end-of-data indicator (RFC 5321 §4.1.1.4), so this one is never delivered.
 */
export function holdFinalDot(input: Readable, beforeDot: () => Promise<void>): Readable {
  async function* gated(): AsyncGenerator<Buffer> {
    let held: Buffer | null = null;
    for await (const chunk of input) {
      if (held) yield held;
      held = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    }
    await beforeDot();
    if (held) yield held;
  }
  return Readable.from(gated(), { objectMode: false });
}
