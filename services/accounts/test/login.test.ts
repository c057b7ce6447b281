import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CalendarSecretsSchema } from '@agent-ops/calendar-executor/calendar-secrets';
import { EmailSecretsSchema } from '@agent-ops/email-executor/email-secrets';
import { launchChromium } from '@agent-ops/testkit/chromium';
import { FakeGoogleOAuth } from '@agent-ops/testkit/fake-google-oauth';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { FakeXOAuth } from '@agent-ops/testkit/fake-x-oauth';
import { freePort } from '@agent-ops/testkit/free-port';
import { writeSecretsFile } from '@agent-ops/testkit/processes';
import { waitFor } from '@agent-ops/testkit/wait';
import { XSecretsSchema } from '@agent-ops/x-executor/x-secrets';
import { afterEach, describe, expect, it } from 'vitest';

// `ops login` as a person runs it on the executor host, against the fakes: the command prints
// the page to open, the browser step is done by Chromium or by following the consent form and
// its redirect, and the secrets file afterwards is 0600, valid, and holds every earlier account.
const OPS = join(import.meta.dirname, '..', '..', 'coordinator', 'ops.mjs');
const ME = { id: '3001', username: 'ana', name: 'Ana' };
const EARLIER = {
  accounts: {
    antifund: {
      x: {
        appKey: 'k-earlier',
        appSecret: 's-earlier-AAAA',
        accessToken: 't-earlier',
        accessSecret: 'a-earlier-BBBB',
      },
    },
    acme: { webhook: { endpoints: { deploy: { url: 'https://hooks.example/deploy/SECRET-PATH' } } } },
  },
};

type Run = { child: ChildProcess; out: () => string; exit: Promise<number | null> };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function ops(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [OPS, 'login', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exit;
  });
  return { child, out: () => out, exit };
}

/** The page the command asks the person to open: the indented URL line. */
function pageOf(run: Run): Promise<string> {
  return waitFor(
    () => {
      if (run.child.exitCode !== null)
        throw new Error(`ops login exited ${run.child.exitCode}:\n${run.out()}`);
      return /^ {2}(http\S+)$/m.exec(run.out())?.[1];
    },
    'a page to open',
    30_000,
  );
}

/** What a browser does with a consent page: submit its form and follow the redirect to the loopback callback. */
async function allowByForm(page: string): Promise<void> {
  const html = await (await fetch(page)).text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  expect(action, html).toBeDefined();
  const fields = new URLSearchParams(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1] as string,
      (m[2] as string).replace(/&quot;/g, '"'),
    ]),
  );
  const answer = await fetch(new URL(action as string, page), {
    method: 'POST',
    body: fields,
    redirect: 'manual',
  });
  expect(answer.status).toBe(302);
  const callback = await fetch(answer.headers.get('location') as string);
  expect(await callback.text()).toMatch(/Signed in/);
}

function expectFileKeptAndPrivate(path: string, account: string, channel: string) {
  expect(statSync(path).mode & 0o777).toBe(0o600);
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  for (const [name, entry] of Object.entries(EARLIER.accounts))
    if (name !== account) expect(doc.accounts[name]).toEqual(entry);
  expect(doc.accounts[account][channel]).toBeDefined();
  return doc;
}

/** No secret of the new entry (a secret, a token) appears in what the command printed. */
function expectNothingSecretPrinted(out: string, entry: unknown) {
  const secrets: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string' && /secret|token/i.test(k)) secrets.push(x);
      else walk(x);
    }
  };
  walk(entry);
  expect(secrets.length).toBeGreaterThan(0);
  for (const s of secrets) expect(out).not.toContain(s);
}

describe('ops login', () => {
  async function fakeX(callbackUrls: string[] = []) {
    const apps = [
      {
        consumerKey: 'consumer-key-1',
        consumerSecret: 'consumer-secret-1',
        clientId: 'client-id-1',
        clientSecret: 'client-secret-1',
        callbackUrls,
      },
    ];
    // One record: the OAuth 1.0a tokens the PIN flow issues are users of the fake's API.
    const users: Record<string, typeof ME> = {};
    const oauth = new FakeXOAuth({ apps, users });
    const fake = await new FakeX({ users, oauth }).start();
    oauth.signedIn = ME;
    cleanups.push(() => fake.stop());
    return { fake, oauth };
  }

  it('ops login x: the PIN flow writes OAuth 1.0a tokens and checks them', async () => {
    const { fake } = await fakeX();
    const file = writeSecretsFile(EARLIER);
    const run = ops(['x', '--account', 'ana'], {
      OPS_SECRETS_FILE: file,
      X_API_BASE_URL: fake.url,
      X_API_KEY: 'consumer-key-1',
      X_API_SECRET: 'consumer-secret-1',
    });
    const page = await pageOf(run);
    // The person reads the PIN off X's page and types it.
    const html = await (await fetch(page)).text();
    const pin = /id="oauth_pin">(\d+)</.exec(html)?.[1];
    expect(pin, `${page}\n${html}`).toBeDefined();
    run.child.stdin?.end(`${pin}\n`);
    expect(await run.exit, run.out()).toBe(0);
    expect(run.out()).toMatch(/checked: X answers as @ana \(user 3001\)/);
    const doc = expectFileKeptAndPrivate(file, 'ana', 'x');
    expect(XSecretsSchema.parse(doc).accounts.ana?.x).toMatchObject({ appKey: 'consumer-key-1' });
    expectNothingSecretPrinted(run.out(), doc.accounts.ana.x);
  });

  it('ops login x --oauth2: PKCE on the loopback callback, consent clicked in Chromium; the executor can refresh it', async () => {
    const port = await freePort();
    const { fake, oauth } = await fakeX([`http://127.0.0.1:${port}/callback`]);
    const file = writeSecretsFile(EARLIER);
    const run = ops(['x', '--account', 'ana', '--oauth2', '--port', String(port)], {
      OPS_SECRETS_FILE: file,
      X_API_BASE_URL: fake.url,
      X_CLIENT_ID: 'client-id-1',
      X_CLIENT_SECRET: 'client-secret-1',
    });
    const page = await pageOf(run);
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const tab = await browser.newPage();
    await tab.goto(page);
    await tab.click('#allow');
    await tab.waitForURL(/127\.0\.0\.1:\d+\/callback\?/);
    expect(await tab.textContent('body')).toMatch(/Signed in/);
    expect(await run.exit, run.out()).toBe(0);
    expect(run.out()).toMatch(/checked: X answers as @ana/);
    const doc = expectFileKeptAndPrivate(file, 'ana', 'x');
    const login = XSecretsSchema.parse(doc).accounts.ana?.x;
    expect(login && 'oauth2' in login && login.oauth2.scopes).toEqual([
      'tweet.read',
      'tweet.write',
      'users.read',
      'media.write',
      'offline.access',
    ]);
    expectNothingSecretPrinted(run.out(), doc.accounts.ana.x);
    // The refresh token is live and unused: the fake accepts it once.
    if (login && 'oauth2' in login) {
      const r = await fetch(`${fake.url}/2/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('client-id-1:client-secret-1').toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: login.oauth2.refreshToken }),
      });
      expect(r.status).toBe(200);
      expect(oauth.reusedRefreshTokens()).toEqual([]);
    }
  });

  it('ops login google --calendar --gmail: consent followed to the loopback redirect; entries valid for both executors', async () => {
    const google = await new FakeGoogleOAuth({
      clients: [{ id: 'desktop-1.apps.googleusercontent.com', secret: 'GOCSPX-desktop' }],
    }).start();
    cleanups.push(() => google.stop());
    google.signedIn = 'ana@example.com';
    const file = writeSecretsFile(EARLIER);
    const run = ops(
      ['google', '--account', 'ana', '--calendar', '--gmail', '--gmail-user', 'ana@example.com'],
      {
        OPS_SECRETS_FILE: file,
        GOOGLE_CLIENT_ID: 'desktop-1.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: 'GOCSPX-desktop',
        GOOGLE_OAUTH_AUTH_URL: google.authUrl,
        GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
      },
    );
    const page = await pageOf(run);
    const q = new URL(page).searchParams;
    expect(q.get('access_type')).toBe('offline');
    expect(q.get('prompt')).toBe('consent');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('scope')).toBe('https://www.googleapis.com/auth/calendar.events https://mail.google.com/');
    expect(run.out()).toMatch(/"Testing" status[\s\S]*7 days[\s\S]*Publish app/);
    await allowByForm(page);
    expect(await run.exit, run.out()).toBe(0);
    expect(run.out()).toMatch(/checked: Google accepts the refresh token of account ana/);
    const doc = expectFileKeptAndPrivate(file, 'ana', 'calendar');
    const calendar = CalendarSecretsSchema.parse(doc).accounts.ana?.calendar;
    expect(calendar?.refreshToken).toBeTruthy();
    expect(google.refreshTokens[calendar?.refreshToken ?? '']).toBe('ana@example.com');
    const email = EmailSecretsSchema.parse(doc).accounts.ana?.email;
    expect(email).toMatchObject({ gmail: { user: 'ana@example.com' }, allowedFrom: ['ana@example.com'] });
    expectNothingSecretPrinted(run.out(), { ...doc.accounts.ana });
    // While the app is in "Testing", Google expires the refresh token after 7 days: invalid_grant.
    const { OAuth2Client } = await import('google-auth-library');
    const client = new OAuth2Client({
      clientId: 'desktop-1.apps.googleusercontent.com',
      clientSecret: 'GOCSPX-desktop',
      endpoints: { oauth2TokenUrl: google.tokenUrl },
    });
    client.setCredentials({ refresh_token: calendar?.refreshToken ?? '' });
    expect((await client.getAccessToken()).token).toBeTruthy();
    google.testingRefreshTokenLifetimeMs = 0;
    client.setCredentials({ refresh_token: calendar?.refreshToken ?? '' });
    await expect(client.getAccessToken()).rejects.toThrow(/invalid_grant/);
  });

  it("ops login x --oauth2 with a wrong client secret: X's refusal named, nothing written, no secret printed", async () => {
    const port = await freePort();
    const { fake } = await fakeX([`http://127.0.0.1:${port}/callback`]);
    const file = writeSecretsFile(EARLIER);
    const run = ops(['x', '--account', 'ana', '--oauth2', '--port', String(port)], {
      OPS_SECRETS_FILE: file,
      X_API_BASE_URL: fake.url,
      X_CLIENT_ID: 'client-id-1',
      X_CLIENT_SECRET: 'not-the-secret-ZZZZ',
    });
    await allowByForm(await pageOf(run));
    expect(await run.exit).toBe(1);
    expect(run.out()).toMatch(/ops login x: .*unauthorized_client/);
    expect(run.out()).not.toContain('not-the-secret-ZZZZ');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(EARLIER);
  });

  it('refuses a missing account, naming the flag, and writes nothing', async () => {
    const file = writeSecretsFile(EARLIER);
    const run = ops(['x'], { OPS_SECRETS_FILE: file });
    expect(await run.exit).toBe(2);
    expect(run.out()).toMatch(/--account: 1 to 64 characters/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(EARLIER);
  });
});
