import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import type { Redis } from 'ioredis';
import { CoordinatorClient } from '../src/client.ts';
import { CoordinatorConfigSchema } from '../src/config.ts';
import { Coordinator } from '../src/coordinator.ts';

export const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
export const PRODUCER_TOKEN = 'producer-token-0123456789abcdef';
const X_ENTRY = join(import.meta.dirname, '..', '..', 'x-executor', 'src', 'main.ts');

/** Where a World's parts reach Redis: one URL for all, or one per role (ACL users, TLS). */
export type WorldRedis = {
  /** The coordinator's URL, also the test's own client (it reads all under the prefix). */
  coordinatorUrl: string;
  /** The executor's; the coordinator's when omitted. */
  executorUrl?: string;
  /**
   * TLS variables (REDIS_CA_FILE) for the executor process. The coordinator runs in this process
   * and reads them from process.env, as the service does from its own.
   */
  clientEnv?: Record<string, string>;
  /** The key prefix; ACL users are bound to one (`ops`), otherwise each World has its own. */
  prefix?: string;
};

/** A coordinator, an x-executor process that trusts its public key, a fake X, one Redis prefix. */
export class World {
  readonly prefix: string;
  readonly dir = mkdtempSync(join(tmpdir(), 'coordinator-'));
  readonly redis: Redis;
  readonly redisUrl: string;
  private readonly executorUrl: string;
  private readonly clientEnv: Record<string, string>;
  fake!: FakeX;
  coordinator!: Coordinator;
  executor: ServiceProcess | undefined;
  operator!: CoordinatorClient;
  producer!: CoordinatorClient;
  private readonly keys = generateKeyPairSync('ed25519');

  constructor(redis: string | WorldRedis) {
    const r = typeof redis === 'string' ? { coordinatorUrl: redis } : redis;
    this.redisUrl = r.coordinatorUrl;
    this.executorUrl = r.executorUrl ?? r.coordinatorUrl;
    this.clientEnv = r.clientEnv ?? {};
    this.prefix = r.prefix ?? testPrefix('co');
    this.redis = redisClient(this.redisUrl);
  }

  get auditFile(): string {
    return join(this.dir, 'audit.jsonl');
  }

  async start(
    executorConfig: Record<string, unknown> = {},
    coordinatorConfig: Record<string, unknown> = {},
    executorEnv: Record<string, string> = {},
  ): Promise<this> {
    this.fake = await new FakeX({
      users: {
        'tok-antifund': { id: '1001', username: 'antifund', name: 'Antifund' },
        'tok-personal': { id: '1002', username: 'me', name: 'Me' },
      },
    }).start();
    const keyFile = join(this.dir, 'approval.pem');
    writeFileSync(keyFile, this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(
      join(this.dir, 'coordinator.json'),
      JSON.stringify({
        prefix: this.prefix,
        port: 0,
        tokens: [
          { name: 'ops-person', role: 'operator', token: OPERATOR_TOKEN },
          { name: 'openclaw', role: 'producer', token: PRODUCER_TOKEN },
        ],
        approval: { accounts: { antifund: {} }, privateKeyFile: keyFile, keyId: 'coordinator-1' },
        auditFile: this.auditFile,
        ...coordinatorConfig,
      }),
    );
    await this.startCoordinator();
    const creds = (token: string) => ({
      appKey: 'k',
      appSecret: 'app-secret-xyz',
      accessToken: token,
      accessSecret: 'access-secret-xyz',
    });
    const secrets = writeSecretsFile({
      accounts: { antifund: { x: creds('tok-antifund') }, personal: { x: creds('tok-personal') } },
    });
    const configFile = join(this.dir, 'executor.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        accounts: { antifund: { requireApproval: true } },
        approvalKeys: {
          'coordinator-1': this.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
        backoff: { baseMs: 50, maxMs: 200 },
        ...executorConfig,
      }),
    );
    this.executor = startService(X_ENTRY, {
      ...this.clientEnv,
      REDIS_URL: this.executorUrl,
      OPS_PREFIX: this.prefix,
      OPS_SECRETS_FILE: secrets,
      OPS_CONFIG_FILE: configFile,
      X_API_BASE_URL: this.fake.url,
      OPS_LEASE_TTL_MS: '2000',
      OPS_LOCAL_GATE_FILE: join(this.dir, 'gate.json'),
      ...executorEnv,
    });
    await this.executor.waitForLog('executor running');
    return this;
  }

  async startCoordinator(): Promise<void> {
    const config = CoordinatorConfigSchema.parse(
      JSON.parse(readFileSync(join(this.dir, 'coordinator.json'), 'utf8')),
    );
    this.coordinator = new Coordinator(
      { ...config, redisUrl: this.redisUrl },
      createLogger('coordinator', 'silent'),
    );
    await this.coordinator.start();
    this.operator = new CoordinatorClient({ url: this.coordinator.url, token: OPERATOR_TOKEN });
    this.producer = new CoordinatorClient({ url: this.coordinator.url, token: PRODUCER_TOKEN });
  }

  auditLines(): Array<{ action: string; actor: string; idempotencyKey: string | null }> {
    try {
      return readFileSync(this.auditFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  }

  async stop(): Promise<void> {
    await this.executor?.kill('SIGKILL');
    await this.coordinator?.close();
    await this.fake?.stop();
    this.redis.disconnect();
  }
}

export function post(key: string, text: string, account = 'antifund', extra: Record<string, unknown> = {}) {
  return { v: 1, idempotencyKey: key, action: 'x.post', account, payload: { text }, ...extra };
}
