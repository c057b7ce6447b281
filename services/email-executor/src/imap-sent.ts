import type { ImapFlow } from 'imapflow';
import type { EmailAccount } from './email-secrets.ts';
import type { SentLookup } from './sent-lookup.ts';
import { SentLookupError } from './sent-lookup.ts';

type Imap = NonNullable<EmailAccount['imap']>;

/** An imapflow error in words: its code and the server's response text, never the LOGIN line. */
function describe(err: unknown, what: string): SentLookupError {
  const e = err as Error & { code?: string; responseText?: string; authenticationFailed?: boolean };
  if (e?.authenticationFailed) return new SentLookupError(`IMAP refused the login (${what})`, 'imap_auth');
  const detail = e?.responseText ?? e?.code ?? e?.name ?? 'error';
  return new SentLookupError(`IMAP ${what} failed: ${String(detail).slice(0, 200)}`, 'imap_unavailable');
}

/**
 * For providers that file SMTP submissions into a Sent mailbox: `SEARCH HEADER Message-ID <id>`
 * in it (RFC 3501 §6.4.4; a substring match on that one field, and our ids are unique), on a
 * connection of its own for each question, read-only (EXAMINE), so reconcile changes nothing.
 */
export class ImapSentLookup implements SentLookup {
  private readonly i: Imap;
  private readonly timeouts: EmailAccount['timeouts'];

  constructor(i: Imap, timeouts: EmailAccount['timeouts']) {
    this.i = i;
    this.timeouts = timeouts;
  }

  async find(messageId: string): Promise<'found' | 'absent'> {
    // Loaded on the first reconcile only, like nodemailer on the first send.
    const { ImapFlow } = await import('imapflow');
    const client = new ImapFlow({
      host: this.i.host,
      port: this.i.port,
      secure: this.i.tls === 'tls',
      doSTARTTLS: this.i.tls === 'starttls' ? true : this.i.tls === 'none' ? false : undefined,
      auth: { user: this.i.user, pass: this.i.password },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: this.timeouts.connectMs,
      greetingTimeout: this.timeouts.connectMs,
      socketTimeout: this.timeouts.socketMs,
    });
    // A dropped connection emits 'error' besides rejecting the command in flight.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      throw describe(err, 'connect');
    }
    try {
      const path = this.i.mailbox ?? (await this.sentMailbox(client));
      const lock = await client.getMailboxLock(path, { readOnly: true });
      try {
        const uids = await client.search({ header: { 'message-id': messageId } }, { uid: true });
        if (!Array.isArray(uids))
          throw new SentLookupError(`IMAP SEARCH in ${path} failed`, 'imap_unavailable');
        return uids.length > 0 ? 'found' : 'absent';
      } finally {
        lock.release();
      }
    } catch (err) {
      throw err instanceof SentLookupError ? err : describe(err, 'search');
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  /** The mailbox the server marks `\Sent` (RFC 6154 SPECIAL-USE). */
  private async sentMailbox(client: ImapFlow): Promise<string> {
    const boxes = await client.list();
    const sent = boxes.find((b) => b.specialUse === '\\Sent');
    if (!sent)
      throw new SentLookupError('IMAP has no mailbox marked \\Sent: set imap.mailbox', 'imap_no_sent');
    return sent.path;
  }
}
