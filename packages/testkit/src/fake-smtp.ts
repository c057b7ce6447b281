import type { AddressInfo, Socket } from 'node:net';
import { type AddressObject, simpleParser } from 'mailparser';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';

/** The point of an SMTP transaction a call reached or a fault applies to. */
export type FakeSmtpStage = 'connect' | 'auth' | 'mail' | 'rcpt' | 'data';

export type FakeSmtpAttachment = { filename: string | null; contentType: string; size: number };

/** A message the fake accepted (stored before the final reply, so also for act_then_drop/hang). */
export type FakeSmtpMessage = {
  /** The Message-ID header as it arrived, angle brackets included, or null without one. */
  messageId: string | null;
  /** The From header as text, eg. `"Ops" <ops@example.com>`. */
  from: string;
  /** Bare addresses of the To and Cc headers. */
  to: string[];
  cc: string[];
  /** Envelope recipients (RCPT TO) that are in neither the To nor the Cc header. */
  bcc: string[];
  /** The SMTP envelope: MAIL FROM and every RCPT TO. */
  envelope: { from: string; to: string[] };
  replyTo: string | null;
  subject: string;
  text: string | null;
  html: string | null;
  inReplyTo: string | null;
  references: string[];
  attachments: FakeSmtpAttachment[];
  /** Size of the raw message (headers and body as sent after DATA), bytes. */
  size: number;
  raw: Buffer;
  /** The user that authenticated, or null. */
  user: string | null;
  receivedAt: Date;
};

export type FakeSmtpCall = {
  /** smtp-server's session id; several calls share it when a connection carries several transactions. */
  sessionId: string;
  at: number;
  /** How far the transaction got. */
  stage: FakeSmtpStage;
  user: string | null;
  mailFrom: string | null;
  rcptTo: string[];
  /** What the fake last answered; absent when it dropped or hung instead. */
  answer?: { code: number; message: string };
  /** True once the message was stored (onAct has run). */
  accepted: boolean;
  /** Set when the fake destroyed the socket or decided never to answer. */
  outcome?: 'dropped' | 'hung';
};

type Entry = {
  call: FakeSmtpCall;
  fault: FakeSmtpFault | null;
  /** The transaction has drawn its fault (or took one at connect, for connect or auth). */
  transactionDrawn: boolean;
};

function isLoginFault(f: FakeSmtpFault): boolean {
  return f.kind === 'reply' && (f.stage === 'connect' || f.stage === 'auth');
}

/** A scripted fault for the next transaction. */
export type FakeSmtpFault =
  /** Answer `code` (4xx temporary, 5xx permanent) at that stage; a 421 also closes the connection. */
  | { kind: 'reply'; stage: FakeSmtpStage; code: number; message?: string }
  /** Store the message and run onAct, then destroy the socket instead of the final 250: "unknown". */
  | { kind: 'act_then_drop' }
  /** Store the message and run onAct, then never answer. */
  | { kind: 'act_then_hang' }
  /** Never answer the first RCPT TO: the client waits, and nothing is ever accepted. */
  | { kind: 'hold' }
  /** Destroy the socket at the first RCPT TO: nothing was accepted. */
  | { kind: 'drop_before_data' };

export type FakeSmtpOptions = {
  /** user -> password for AUTH PLAIN/LOGIN; authentication stays optional. */
  users?: Record<string, string>;
  /** Delay before every reply of a handler (connect, auth, MAIL, RCPT, end of DATA), ms. */
  latencyMs?: number;
  /** Server name in the greeting. */
  name?: string;
  /** Message size limit, bytes (SIZE extension); bigger messages get a 552. */
  size?: number;
  /**
   * Offer AUTH XOAUTH2 (Gmail's SMTP): the user and bearer token are valid when this says so,
   * e.g. a FakeGmail's `accessTokenOf`. A refusal answers as Gmail does: a 334 with the JSON
   * error challenge, then 535 (developers.google.com/gmail/imap/xoauth2-protocol).
   */
  xoauth2?: (user: string, accessToken: string) => boolean;
  /** Called with every message stored, before onAct: where a provider files it into Sent. */
  onStore?: (msg: FakeSmtpMessage) => void;
};

type SmtpError = Error & { responseCode?: number };

const smtpError = (code: number, message: string): SmtpError =>
  Object.assign(new Error(message), { responseCode: code });

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((o) =>
    o.value.flatMap((a) => [a.address ?? '', ...(a.group ?? []).map((g) => g.address ?? '')]).filter(Boolean),
  );

const lower = (list: string[]): string[] => list.map((a) => a.toLowerCase());

/**
 * A fake SMTP server for the real nodemailer client, on smtp-server (plain text, no STARTTLS,
 * optional AUTH PLAIN/LOGIN). It stores every accepted message parsed with mailparser, records
 * one call per transaction, and can be told to be slow, be down (421), refuse at a given stage,
 * or accept a message and then drop or hang instead of the final 250.
 */
export class FakeSmtp {
  readonly calls: FakeSmtpCall[] = [];
  readonly messages: FakeSmtpMessage[] = [];
  latencyMs: number;
  /** Until this time (epoch ms) every transaction is answered 421 (at connect, or at MAIL FROM on a kept connection). */
  outageUntil = 0;
  /** Called once a message is stored, before the final reply: where a test can crash things. */
  onAct: ((msg: FakeSmtpMessage) => void | Promise<void>) | null = null;
  port = 0;
  private readonly users: Record<string, string>;
  private readonly name: string;
  private readonly size: number | undefined;
  private readonly xoauth2: FakeSmtpOptions['xoauth2'];
  private readonly onStore: FakeSmtpOptions['onStore'];
  private faults: FakeSmtpFault[] = [];
  private server: SMTPServer | undefined;
  private readonly sockets = new Set<Socket>();
  /** The transaction in progress per session id, with the fault it drew. */
  private readonly current = new Map<string, Entry>();

  /**
   * Changes (or, with null, removes) a user's password, as when a person changes it at the
   * provider: the old one then gets 535 to AUTH, and a login with the new one works.
   */
  setPassword(user: string, password: string | null): void {
    if (password === null) delete this.users[user];
    else this.users[user] = password;
  }

  constructor(options: FakeSmtpOptions = {}) {
    // A copy: setPassword changes this server's users, not the caller's object.
    this.users = { ...options.users };
    this.latencyMs = options.latencyMs ?? 0;
    this.name = options.name ?? 'fake-smtp.test';
    this.size = options.size;
    this.xoauth2 = options.xoauth2;
    this.onStore = options.onStore;
  }

  async start(port = 0): Promise<this> {
    const server = new SMTPServer({
      name: this.name,
      secure: false,
      authOptional: true,
      allowInsecureAuth: true,
      authMethods: this.xoauth2 ? ['PLAIN', 'LOGIN', 'XOAUTH2'] : ['PLAIN', 'LOGIN'],
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      size: this.size,
      onConnect: (session, cb) => void this.onConnect(session).then(() => cb(), cb),
      onAuth: (auth, session, cb) =>
        void this.onAuth(auth, session).then(
          (res) => cb(null, res),
          (err: Error) => cb(err),
        ),
      onMailFrom: (address, session, cb) => void this.onMailFrom(address, session).then(() => cb(), cb),
      onRcptTo: (address, session, cb) => void this.onRcptTo(address, session).then((ok) => ok && cb(), cb),
      onData: (stream, session, cb) =>
        void this.onData(stream, session).then(
          (ok) => ok && cb(),
          (err: Error) => cb(err),
        ),
      onClose: (session) => {
        this.current.delete(session.id);
      },
    });
    // A socket destroyed on purpose can still surface an error; it is not the test's failure.
    server.on('error', () => {});
    server.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Faults are drawn in order, one per transaction. */
  inject(fault: FakeSmtpFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
  }

  messagesWithSubject(subject: string): FakeSmtpMessage[] {
    return this.messages.filter((m) => m.subject === subject);
  }

  /** By Message-ID, with or without the angle brackets. */
  byMessageId(id: string): FakeSmtpMessage | undefined {
    const bare = id.replace(/^<|>$/g, '');
    return this.messages.find((m) => m.messageId?.replace(/^<|>$/g, '') === bare);
  }

  private async delay(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }

  private begin(session: SMTPServerSession, atConnect: boolean): Entry {
    const call: FakeSmtpCall = {
      sessionId: session.id,
      at: Date.now(),
      stage: atConnect ? 'connect' : 'mail',
      user: atConnect ? null : this.userOf(session),
      mailFrom: null,
      rcptTo: [],
      accepted: false,
    };
    this.calls.push(call);
    // A connection takes a fault at connect only when the next one is for connect or auth; a
    // transaction's fault waits for its MAIL FROM, so a connection that only logs in and quits
    // (nodemailer's verify, an account check) leaves it for the next message, as it should.
    const head = this.faults[0];
    const fault = atConnect
      ? head && isLoginFault(head)
        ? (this.faults.shift() ?? null)
        : null
      : this.drawTransactionFault();
    const entry = { call, fault, transactionDrawn: !atConnect || fault !== null };
    this.current.set(session.id, entry);
    return entry;
  }

  /** A transaction is past connect and auth: faults for those stay queued for a new connection. */
  private drawTransactionFault(): FakeSmtpFault | null {
    const index = this.faults.findIndex((f) => !isLoginFault(f));
    return index >= 0 ? (this.faults.splice(index, 1)[0] ?? null) : null;
  }

  private userOf(session: SMTPServerSession): string | null {
    return typeof session.user === 'string' ? session.user : null;
  }

  /** Throws the scripted reply for `stage` when the transaction drew one. */
  private replyFault(entry: Entry, stage: FakeSmtpStage): void {
    const f = entry.fault;
    if (f?.kind !== 'reply' || f.stage !== stage) return;
    const message = f.message ?? (f.code >= 500 ? 'Error: refused (scripted)' : 'Try again later (scripted)');
    entry.call.answer = { code: f.code, message };
    throw smtpError(f.code, message);
  }

  private destroySocket(session: SMTPServerSession): void {
    for (const c of this.server?.connections ?? []) if (c.id === session.id) c._socket.destroy();
  }

  private async onConnect(session: SMTPServerSession): Promise<void> {
    const entry = this.begin(session, true);
    await this.delay();
    if (Date.now() < this.outageUntil) {
      entry.call.answer = { code: 421, message: 'Service not available (outage)' };
      throw smtpError(421, 'Service not available (outage)');
    }
    this.replyFault(entry, 'connect');
    entry.call.answer = { code: 220, message: 'ESMTP' };
  }

  private async onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
  ): Promise<SMTPServerAuthenticationResponse> {
    const entry = this.current.get(session.id) ?? this.begin(session, true);
    entry.call.stage = 'auth';
    entry.call.user = auth.username ?? null;
    await this.delay();
    this.replyFault(entry, 'auth');
    if (auth.method === 'XOAUTH2') {
      if (this.xoauth2?.(auth.username ?? '', auth.accessToken ?? '')) {
        entry.call.answer = { code: 235, message: 'Authentication successful' };
        return { user: auth.username };
      }
      entry.call.answer = { code: 535, message: 'Username and Password not accepted' };
      return { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } };
    }
    const expected = auth.username === undefined ? undefined : this.users[auth.username];
    if (expected === undefined || auth.password !== expected) {
      entry.call.answer = { code: 535, message: 'Error: Authentication credentials invalid' };
      throw smtpError(535, 'Error: Authentication credentials invalid');
    }
    entry.call.answer = { code: 235, message: 'Authentication successful' };
    return { user: auth.username };
  }

  private async onMailFrom(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    let entry = this.current.get(session.id);
    // A new transaction after a finished one (or after RSET) on the same connection.
    if (!entry || entry.call.mailFrom !== null) entry = this.begin(session, false);
    else if (!entry.transactionDrawn) {
      entry.fault = this.drawTransactionFault();
      entry.transactionDrawn = true;
    }
    entry.call.stage = 'mail';
    entry.call.user = this.userOf(session);
    entry.call.mailFrom = address.address;
    await this.delay();
    if (Date.now() < this.outageUntil) {
      entry.call.answer = { code: 421, message: 'Service not available (outage)' };
      throw smtpError(421, 'Service not available (outage)');
    }
    this.replyFault(entry, 'mail');
    entry.call.answer = { code: 250, message: 'Accepted' };
  }

  /** Resolves false when the socket was dropped and no reply must be sent. */
  private async onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Promise<boolean> {
    const entry = this.current.get(session.id) ?? this.begin(session, false);
    entry.call.stage = 'rcpt';
    entry.call.rcptTo.push(address.address);
    await this.delay();
    if (entry.fault?.kind === 'drop_before_data') {
      delete entry.call.answer;
      entry.call.outcome = 'dropped';
      this.destroySocket(session);
      return false;
    }
    if (entry.fault?.kind === 'hold') {
      delete entry.call.answer;
      entry.call.outcome = 'hung';
      return false;
    }
    this.replyFault(entry, 'rcpt');
    entry.call.answer = { code: 250, message: 'Accepted' };
    return true;
  }

  /** Resolves false when the fake drops or hangs instead of the final reply. */
  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<boolean> {
    const entry = this.current.get(session.id) ?? this.begin(session, false);
    entry.call.stage = 'data';
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    await this.delay();
    if (stream.sizeExceeded) {
      entry.call.answer = { code: 552, message: 'Error: message exceeds fixed maximum message size' };
      throw smtpError(552, 'Error: message exceeds fixed maximum message size');
    }
    this.replyFault(entry, 'data');

    const msg = await this.parse(raw, session);
    this.messages.push(msg);
    entry.call.accepted = true;
    this.onStore?.(msg);
    await this.onAct?.(msg);

    if (entry.fault?.kind === 'act_then_drop') {
      delete entry.call.answer;
      entry.call.outcome = 'dropped';
      this.destroySocket(session);
      return false;
    }
    if (entry.fault?.kind === 'act_then_hang') {
      delete entry.call.answer;
      entry.call.outcome = 'hung';
      return false;
    }
    entry.call.answer = { code: 250, message: 'OK: message queued' };
    return true;
  }

  private async parse(raw: Buffer, session: SMTPServerSession): Promise<FakeSmtpMessage> {
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    const to = addresses(parsed.to);
    const cc = addresses(parsed.cc);
    const visible = new Set(lower([...to, ...cc]));
    const rcpt = session.envelope.rcptTo.map((r) => r.address);
    const references = parsed.references;
    return {
      messageId: parsed.messageId ?? null,
      from: parsed.from?.text ?? '',
      to,
      cc,
      bcc: rcpt.filter((a) => !visible.has(a.toLowerCase())),
      envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: rcpt },
      replyTo: parsed.replyTo?.text ?? null,
      subject: parsed.subject ?? '',
      text: parsed.text ?? null,
      html: parsed.html || null,
      inReplyTo: parsed.inReplyTo ?? null,
      references: Array.isArray(references) ? references : references ? [references] : [],
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename ?? null,
        contentType: a.contentType,
        size: a.size,
      })),
      size: raw.length,
      raw,
      user: this.userOf(session),
      receivedAt: new Date(),
    };
  }
}
