import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeNtfy } from '@agent-ops/testkit/fake-ntfy';
import { FakeSlack } from '@agent-ops/testkit/fake-slack';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { FakeTelegram } from '@agent-ops/testkit/fake-telegram';
import { FakeWebhook } from '@agent-ops/testkit/fake-webhook';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import type { Redis } from 'ioredis';
import { CoordinatorClient } from '../src/client.ts';
import { CoordinatorConfigSchema } from '../src/config.ts';
import { Coordinator } from '../src/coordinator.ts';

export const OPERATOR = 'alerts-operator-token-0123456789';
export const PRODUCER = 'alerts-producer-token-0123456789';
export const LINK_KEY = 'link-key-shared-with-the-dashboard-0123456789';
export const BOT = '424242:AAH-alerts-bot-token-secret';
export const HOOK = '/services/T01/B01/alerts-slack-secret';
export const TOPIC = 'ana-phone-k3j9x';
const NTFY_TOKEN = 'tk_alerts_ntfy_secret_0123';
const root = join(import.meta.dirname, '..', '..');
const entry = (service: string) => join(root, service, 'src', 'main.ts');

/**
 * People in the loop, end to end: the coordinator in this process; the webhook, email,
 * notify and calendar executors as real processes; fakes of ntfy, Telegram, Slack, a webhook
 * receiver and two SMTP servers (one the subject of events, one carrying email alerts).
 */
export class AlertsWorld {
  readonly prefix = testPrefix('al');
  readonly dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  readonly redis: Redis;
  readonly redisUrl: string;
  ntfy!: FakeNtfy;
  telegram!: FakeTelegram;
  slack!: FakeSlack;
  webhook!: FakeWebhook;
  /** The mail server alert emails go through. */
  mail!: FakeSmtp;
  /** A mail server of the subject of events (where a send is left in doubt). */
  subjectMail!: FakeSmtp;
  coordinator!: Coordinator;
  producer!: CoordinatorClient;
  operator!: CoordinatorClient;
  readonly executors = new Map<string, ServiceProcess>();
  private readonly keys = generateKeyPairSync('ed25519');
  private env: Record<string, Record<string, string>> = {};
  private coordinatorConfig: Record<string, unknown> = {};

  constructor(redisUrl: string) {
    this.redisUrl = redisUrl;
    this.redis = redisClient(redisUrl);
  }

  async start(alerts: Record<string, unknown>): Promise<this> {
    this.ntfy = await new FakeNtfy({ [TOPIC]: NTFY_TOKEN }).start();
    this.telegram = await new FakeTelegram({ [BOT]: ['9001'] }).start();
    this.slack = await new FakeSlack([HOOK]).start();
    this.webhook = await new FakeWebhook().start();
    this.mail = await new FakeSmtp().start();
    this.subjectMail = await new FakeSmtp().start();
    const keyFile = join(this.dir, 'approval.pem');
    writeFileSync(keyFile, this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    this.coordinatorConfig = {
      prefix: this.prefix,
      port: 0,
      tokens: [
        { name: 'ana', role: 'operator', token: OPERATOR },
        { name: 'agent', role: 'producer', token: PRODUCER },
      ],
      approval: { accounts: { acme: {} }, privateKeyFile: keyFile, windowHours: 0.01 },
      auditFile: join(this.dir, 'audit.jsonl'),
      alerts: {
        account: 'alerts',
        dashboardUrl: 'https://ops.example.test',
        linkKey: LINK_KEY,
        email: { account: 'mailer', from: 'alerts@ops.example' },
        destinations: {
          'ana-phone': { via: 'notify' },
          'ana-tg': { via: 'notify' },
          team: { via: 'notify' },
          'ana-mail': { via: 'email', to: ['ana@ops.example'] },
        },
        people: {
          ana: { destinations: ['ana-phone', 'ana-tg', 'ana-mail'] },
          bob: { destinations: ['team', 'ana-phone'], events: ['failed', 'deadletter', 'breaker_open'] },
        },
        digestSeconds: 1.5,
        scanSeconds: 0.2,
        lapseWarningMinutes: 5,
        breakerOpenMinutes: 0.02,
        noConsumerMinutes: 0.1,
        ...alerts,
      },
    };
    const secrets = writeSecretsFile({
      accounts: {
        acme: {
          webhook: { endpoints: { deploy: { url: `${this.webhook.url}/hooks/deploy`, timeoutMs: 2000 } } },
        },
        'ops-hooks': {
          webhook: { endpoints: { deploy: { url: `${this.webhook.url}/hooks/ops`, timeoutMs: 2000 } } },
        },
        'acme-mail': {
          email: {
            smtp: { host: '127.0.0.1', port: this.subjectMail.port, tls: 'none' },
            allowedFrom: ['team@acme.example'],
          },
        },
        mailer: {
          email: {
            smtp: { host: '127.0.0.1', port: this.mail.port, tls: 'none' },
            allowedFrom: ['alerts@ops.example'],
          },
        },
        alerts: {
          notify: {
            destinations: {
              'ana-phone': {
                kind: 'ntfy',
                server: this.ntfy.url,
                topic: TOPIC,
                token: NTFY_TOKEN,
                timeoutMs: 5000,
              },
              'ana-tg': {
                kind: 'telegram',
                botToken: BOT,
                chatId: '9001',
                apiBaseUrl: this.telegram.url,
                timeoutMs: 5000,
              },
              team: { kind: 'slack', webhookUrl: `${this.slack.url}${HOOK}`, timeoutMs: 5000 },
            },
          },
        },
      },
    });
    const configFile = join(this.dir, 'executors.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        accounts: { acme: { requireApproval: true } },
        approvalKeys: {
          'coordinator-1': this.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
        backoff: { baseMs: 50, maxMs: 200 },
        // The burst of 200 failures must not wait for the default 100 per 15 minutes.
        defaultRateLimit: { points: 10_000, durationSec: 900 },
        breaker: { volumeThreshold: 3, resetTimeoutMs: 300, errorThresholdPercentage: 50 },
      }),
    );
    const common = {
      REDIS_URL: this.redisUrl,
      OPS_PREFIX: this.prefix,
      OPS_SECRETS_FILE: secrets,
      OPS_CONFIG_FILE: configFile,
      OPS_LEASE_TTL_MS: '1500',
      OPS_LOCAL_GATE_FILE: join(this.dir, 'no-gate.json'),
    };
    for (const service of ['webhook-executor', 'email-executor', 'notify-executor', 'calendar-executor'])
      this.env[service] = common;
    await this.startCoordinator();
    await Promise.all(Object.keys(this.env).map((s) => this.startExecutor(s)));
    return this;
  }

  async startExecutor(service: string): Promise<ServiceProcess> {
    const p = startService(entry(service), this.env[service] ?? {});
    this.executors.set(service, p);
    await p.waitForLog('executor running');
    return p;
  }

  async killExecutor(service: string): Promise<void> {
    await this.executors.get(service)?.kill('SIGKILL');
    this.executors.delete(service);
  }

  async startCoordinator(): Promise<void> {
    const config = CoordinatorConfigSchema.parse(this.coordinatorConfig);
    this.coordinator = new Coordinator(
      { ...config, redisUrl: this.redisUrl },
      createLogger('coordinator', 'silent'),
    );
    await this.coordinator.start();
    this.producer = new CoordinatorClient({ url: this.coordinator.url, token: PRODUCER });
    this.operator = new CoordinatorClient({ url: this.coordinator.url, token: OPERATOR });
  }

  async restartCoordinator(): Promise<void> {
    await this.coordinator.close();
    await this.startCoordinator();
  }

  /** Every alert each destination received, as the text a person reads there. */
  delivered(): Record<string, string[]> {
    return {
      'ana-phone': this.ntfy.inTopic(TOPIC).map((m) => `${m.title}\n${m.message}`),
      'ana-tg': this.telegram.toChat('9001').map((m) => m.text),
      team: this.slack.to(HOOK).map((p) => p.text),
      'ana-mail': this.mail.messages.map((m) => `${m.subject}\n${m.text ?? ''}`),
    };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.executors.values()].map((p) => p.kill('SIGKILL')));
    await this.coordinator?.close();
    await Promise.all(
      [this.ntfy, this.telegram, this.slack, this.webhook, this.mail, this.subjectMail].map((f) => f?.stop()),
    );
    this.redis.disconnect();
  }
}
