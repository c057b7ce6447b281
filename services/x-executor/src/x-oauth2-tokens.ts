import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isNeedsReauth,
  isNonRetryable,
  isRetryAfter,
  NeedsReauthError,
  NonRetryableError,
  RetryAfterError,
} from '@agent-ops/contracts/errors';
import { CredentialSeal } from '@agent-ops/runtime/credential-seal';
import { classifyHttp } from '@agent-ops/runtime/http-outcome';
import type { Logger } from '@agent-ops/runtime/logger';
import type { RedisClient } from '@agent-ops/runtime/redis-connection';
import { loadSecretsFile } from '@agent-ops/runtime/secrets-file';
import { updateSecretsFile } from '@agent-ops/runtime/secrets-file-write';
import type { TwitterApi } from 'twitter-api-v2';
import { createXAppClient, createXClient } from './x-client.ts';
import { type XOAuth2Login, XOAuth2LoginSchema, XSecretsSchema } from './x-secrets.ts';

const RELEASE_LOCK = readFileSync(new URL('./lua/release-refresh-lock.lua', import.meta.url), 'utf8');
const PUBLISH_SEALED = readFileSync(new URL('./lua/publish-sealed.lua', import.meta.url), 'utf8');

export type XOAuth2TokensOptions = {
  /** The secrets file the logins are read from and the rotated pairs written to. */
  secretsFile: string;
  /** For the per-account refresh lock (no secret in it) and, with `seal`, the sealed pairs. */
  redis: RedisClient;
  prefix: string;
  apiBaseUrl: string;
  /**
   * The executor hosts' shared key: with it, every rotated pair is also put in Redis sealed
   * (AES-256-GCM), so executors on other hosts, each with its own secrets file, pick it up.
   * Without it, one host (or a shared file) is assumed.
   */
  seal?: CredentialSeal | null;
  /** How long a refresher may hold an account's lock; a refresher killed mid-way blocks the others this long. */
  lockTtlMs?: number;
  /** Refresh at most this long before expiry (a short-lived token refreshes at half its life). */
  refreshAheadMs?: number;
  log?: Logger;
};

function isResponseError(err: unknown): err is { code: number; data: unknown } {
  const e = err as { error?: unknown; type?: unknown };
  return typeof err === 'object' && err !== null && e.error === true && e.type === 'response';
}

/** X's OAuth error text: an error code and a description, never a token. */
function describe(data: unknown): string {
  const d = data as { error?: unknown; error_description?: unknown } | undefined;
  return [d?.error, d?.error_description].filter((v) => typeof v === 'string').join(': ');
}

/**
 * Keeps each OAuth 2.0 account's access token valid, for replicas on one host or on many.
 *
 * X's refresh tokens are single-use: a refresh spends the old one and answers a new pair, and
 * a spent one presented again is refused and can revoke the grant. So, per account:
 *
 * 1. One refresher at a time, everywhere: a Redis lock (`SET NX PX`, a random holder token,
 *    released by compare-and-delete) that holds no secret. The others wait, then read what it
 *    wrote instead of refreshing themselves.
 * 2. Under the lock, the newest pair is read again (this host's file, or, with `seal`, the
 *    sealed pair in Redis, whichever has the higher `generation`); if another refresher got
 *    there first, nothing is refreshed.
 * 3. The new pair is made durable before the new access token is used: sealed into Redis
 *    (only if newer than what it holds) and written to the secrets file (atomic rename, 0600,
 *    only if newer than the file's).
 *
 * What remains: X spends the old refresh token when it answers, so a refresher killed after
 * X's answer and before step 3 loses the new pair, and the next refresh presents a spent token.
 * X refuses it (and revokes the grant); that is reported as `unauthorized`, the account needs
 * `ops login` again. Nothing is used twice silently.
 */
export class XOAuth2Tokens {
  private readonly o: Required<Omit<XOAuth2TokensOptions, 'seal' | 'log'>> &
    Pick<XOAuth2TokensOptions, 'seal' | 'log'>;
  private stamp = '';
  private logins = new Map<string, XOAuth2Login>();
  private readonly inflight = new Map<string, Promise<XOAuth2Login>>();
  /** The refresh token X refused, per account: not presented again until a new login replaces it. */
  private readonly refused = new Map<string, string>();
  private readonly clients = new Map<string, { accessToken: string; client: Promise<TwitterApi> }>();

  constructor(options: XOAuth2TokensOptions) {
    this.o = { lockTtlMs: 15_000, refreshAheadMs: 5 * 60_000, ...options };
    this.reload();
  }

  /** Whether the account has a refreshing OAuth 2.0 login in the file (read again when the file changed). */
  has(account: string): boolean {
    this.reload();
    return this.logins.has(account);
  }

  /** The accounts with a refreshing OAuth 2.0 login in the file. */
  accounts(): string[] {
    this.reload();
    return [...this.logins.keys()];
  }

  /** A client whose access token is valid for a while yet; refreshes first when it is due. */
  async client(account: string): Promise<TwitterApi> {
    const login = await this.valid(account);
    const cached = this.clients.get(account);
    if (cached?.accessToken === login.accessToken) return cached.client;
    const client = createXClient({ oauth2AccessToken: login.accessToken }, this.o.apiBaseUrl, 20_000);
    this.clients.set(account, { accessToken: login.accessToken, client });
    return client;
  }

  /** Every token and client secret this process knows, for scrubbing. */
  secretValues(): string[] {
    const out: string[] = [];
    for (const l of this.logins.values())
      out.push(l.accessToken, l.refreshToken, ...(l.clientSecret ? [l.clientSecret] : []));
    return out;
  }

  async valid(account: string): Promise<XOAuth2Login> {
    this.reload();
    const login = this.logins.get(account);
    if (!login) throw new NonRetryableError(`account ${account} has no X OAuth 2.0 login`, 'unknown_account');
    if (!this.due(login)) return login;
    let pending = this.inflight.get(account);
    if (!pending) {
      pending = this.refresh(account)
        .catch((err: unknown) => {
          if (isNonRetryable(err) || isRetryAfter(err) || isNeedsReauth(err)) throw err;
          // Redis unreachable, a sealed pair this host's key cannot open: no post was made, so
          // the intent is not done and waits, rather than counting as an effect in doubt.
          throw new RetryAfterError(
            `the X login of ${account} could not be refreshed: ${(err as Error).message}`,
            null,
            'token_refresh_failed',
          );
        })
        .finally(() => this.inflight.delete(account));
      this.inflight.set(account, pending);
    }
    return pending;
  }

  private due(login: XOAuth2Login, now = Date.now()): boolean {
    const expires = Date.parse(login.expiresAt);
    const lifetime = expires - Date.parse(login.obtainedAt);
    return now >= expires - Math.min(this.o.refreshAheadMs, lifetime / 2);
  }

  /** Reads the secrets file again when it changed (a login, another replica's refresh). */
  private reload(): void {
    let stamp: string;
    try {
      const s = statSync(this.o.secretsFile);
      stamp = `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch {
      return;
    }
    if (stamp === this.stamp) return;
    try {
      const secrets = loadSecretsFile(this.o.secretsFile, XSecretsSchema);
      const logins = new Map<string, XOAuth2Login>();
      for (const [account, entry] of Object.entries(secrets.accounts))
        if (entry.x && 'oauth2' in entry.x) logins.set(account, entry.x.oauth2);
      this.logins = logins;
      this.stamp = stamp;
    } catch (err) {
      // A file a person is editing may be invalid for a moment: keep what was read last.
      this.o.log?.warn(
        { err: (err as Error).message },
        'secrets file unreadable; keeping the logins read before',
      );
    }
  }

  private lockKey(account: string): string {
    return `${this.o.prefix}:{x}:credlock:${account}`;
  }

  private sealedKey(account: string): string {
    return `${this.o.prefix}:{x}:cred:${account}`;
  }

  /** The newest pair of this host's file and Redis's sealed copy; a newer sealed one is adopted into the file. */
  private async newest(account: string): Promise<XOAuth2Login> {
    this.reload();
    const local = this.logins.get(account);
    const seal = this.o.seal;
    if (!seal) {
      if (!local)
        throw new NonRetryableError(`account ${account} has no X OAuth 2.0 login`, 'unknown_account');
      return local;
    }
    const text = await this.o.redis.get(this.sealedKey(account));
    const generation = CredentialSeal.generationOf(text);
    if (text && generation !== null && (!local || generation > local.generation)) {
      const opened = XOAuth2LoginSchema.safeParse(seal.open(this.sealedKey(account), text).value);
      if (!opened.success) throw new Error(`sealed X login of ${account} is not a login`);
      await this.writeFile(account, opened.data);
      return opened.data;
    }
    if (!local) throw new NonRetryableError(`account ${account} has no X OAuth 2.0 login`, 'unknown_account');
    // This host has a newer pair than Redis (a login made here): the other hosts get it too.
    if (generation === null || generation < local.generation) await this.publish(account, local);
    return local;
  }

  private async publish(account: string, login: XOAuth2Login): Promise<void> {
    const seal = this.o.seal;
    if (!seal) return;
    const sealed = seal.seal(this.sealedKey(account), login.generation, login);
    await this.o.redis.eval(PUBLISH_SEALED, 1, this.sealedKey(account), sealed, String(login.generation));
  }

  private async writeFile(account: string, login: XOAuth2Login): Promise<void> {
    await updateSecretsFile(this.o.secretsFile, (doc) => {
      const entry = doc.accounts[account] ?? {};
      doc.accounts[account] = entry;
      const current = (entry.x as { oauth2?: { generation?: number } } | undefined)?.oauth2;
      // Never back: another replica may have written a newer pair since this one was read.
      if (typeof current?.generation === 'number' && current.generation >= login.generation) return;
      entry.x = { oauth2: login };
    });
    this.reload();
  }

  private async refresh(account: string): Promise<XOAuth2Login> {
    // Who holds it, for a person (and a test) to see; no secret.
    const holder = `${hostname()}:${process.pid}:${randomUUID()}`;
    const deadline = Date.now() + 2 * this.o.lockTtlMs;
    for (;;) {
      const newest = await this.newest(account);
      if (!this.due(newest)) return newest;
      if ((await this.o.redis.set(this.lockKey(account), holder, 'PX', this.o.lockTtlMs, 'NX')) === 'OK')
        break;
      if (Date.now() > deadline)
        throw new RetryAfterError(
          `another executor has been refreshing the X login of ${account} for too long`,
          1000,
          'credentials_refreshing',
        );
      await sleep(25 + Math.random() * 50);
    }
    try {
      // Read once more under the lock: the previous holder may have finished just now.
      const login = await this.newest(account);
      if (!this.due(login)) return login;
      const fresh = await this.askX(account, login);
      // Durable before use, Redis first: a host that dies between the two still left the pair
      // where every host (itself, restarted, included) looks.
      try {
        await this.publish(account, fresh);
      } catch (err) {
        this.o.log?.error(
          { err: (err as Error).message, account },
          'could not put the refreshed X login in Redis',
        );
      }
      await this.writeFile(account, fresh);
      this.o.log?.info({ account, generation: fresh.generation }, 'X OAuth 2.0 login refreshed');
      return fresh;
    } finally {
      await this.o.redis.eval(RELEASE_LOCK, 1, this.lockKey(account), holder).catch(() => {});
    }
  }

  private async askX(account: string, login: XOAuth2Login): Promise<XOAuth2Login> {
    if (this.refused.get(account) === login.refreshToken)
      throw new NeedsReauthError(
        `X refused the login of ${account}; run ops login x --oauth2 --account ${account}`,
      );
    const app = await createXAppClient(
      { clientId: login.clientId, clientSecret: login.clientSecret },
      this.o.apiBaseUrl,
      Math.max(1000, Math.floor(this.o.lockTtlMs / 2)),
    );
    let answer: Awaited<ReturnType<TwitterApi['refreshOAuth2Token']>>;
    try {
      answer = await app.refreshOAuth2Token(login.refreshToken);
    } catch (err) {
      if (isResponseError(err) && (err.code === 400 || err.code === 401)) {
        // Spent, revoked or expired: only a person signing in again helps.
        this.refused.set(account, login.refreshToken);
        const refused = classifyHttp({
          who: 'X',
          status: err.code,
          detail: `refreshing the login of ${account}: ${describe(err.data)}; run ops login x --oauth2 --account ${account}`,
          idempotent: true,
          login: true,
          loginRefused: true,
          // The account's intents wait for `ops login` instead of failing.
          holdOnRefusedLogin: true,
        });
        this.o.log?.error({ account, code: refused.code }, 'X refused the refresh token');
        throw refused;
      }
      // No post was made: whatever became of the refresh, this intent is not done.
      const why = isResponseError(err) ? `answered ${err.code}` : 'could not be reached';
      throw new RetryAfterError(
        `X's token endpoint ${why} refreshing the login of ${account}`,
        null,
        'token_refresh_failed',
      );
    }
    if (!answer.refreshToken) {
      throw new NeedsReauthError(
        `X answered no refresh token for ${account} (the login lacks offline.access); run ops login x --oauth2 --account ${account}`,
      );
    }
    const now = Date.now();
    return {
      ...login,
      accessToken: answer.accessToken,
      refreshToken: answer.refreshToken,
      obtainedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + answer.expiresIn * 1000).toISOString(),
      generation: login.generation + 1,
      scopes: answer.scope,
    };
  }
}
