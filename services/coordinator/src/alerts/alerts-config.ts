import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';
import { EVENT_KINDS } from './alert-events.ts';

/** The same names the notify channel's payload takes: a destination is named, never addressed. */
export const DestinationName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be a destination name (a-z, 0-9, _ and -)' });

const Destination = z.discriminatedUnion(
  'via',
  [
    /** Delivered by the notify executor, which holds the destination's token or webhook URL. */
    z.strictObject({ via: z.literal('notify') }),
    /** Delivered by the email executor; an address is not a secret, so it is named here. */
    z.strictObject({ via: z.literal('email'), to: z.array(z.email()).min(1).max(20) }),
  ],
  { error: 'must be {"via": "notify"} or {"via": "email", "to": [...]}' },
);

const minutes = z.number().positive();

/**
 * `alerts` in the coordinator's config: per person, which events go to which destinations (by
 * name). The destinations' secrets live in the executors' secrets file on the hands.
 */
export const AlertsConfigSchema = z
  .strictObject({
    /** The notify executor's account whose destinations these names are. */
    account: AccountName.default('alerts'),
    /** The dashboard's address as a person's phone reaches it, for the links in alerts. */
    dashboardUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** HMAC key the dashboard shares (DASHBOARD_LINK_KEY), signing the approval links. */
    linkKey: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    /** How long an approval link works, at most (never past the approval's own deadline). */
    linkHours: z
      .number()
      .positive()
      .max(24 * 7)
      .default(12),
    /** Sender of email alerts: the email executor's account and a From it may use. */
    email: z.strictObject({ account: AccountName, from: z.email() }).optional(),
    destinations: z.record(DestinationName, Destination).default({}),
    people: z
      .record(
        z.string().min(1).max(100),
        z.strictObject({
          destinations: z.array(DestinationName).min(1),
          events: z
            .array(z.enum(EVENT_KINDS))
            .min(1)
            .default([...EVENT_KINDS]),
        }),
      )
      .default({}),
    /** Events for one destination within this many seconds of the first go out as one digest. */
    digestSeconds: z.number().min(0.1).max(600).default(5),
    /** An approval this close to its deadline is alerted again as about to lapse. */
    lapseWarningMinutes: minutes.default(60),
    /** A breaker open this long is alerted. */
    breakerOpenMinutes: minutes.default(1),
    /** A channel whose executors group has had no live consumer this long is alerted. */
    noConsumerMinutes: minutes.default(5),
    /** How often approvals, deadletter streams, breakers and consumers are looked at. */
    scanSeconds: z.number().min(0.05).max(300).default(5),
    /** Events listed by name in one digest; the rest are counted. */
    digestLines: z.int().min(1).max(200).default(20),
  })
  .superRefine((c, ctx) => {
    for (const [person, p] of Object.entries(c.people)) {
      for (const [i, name] of p.destinations.entries()) {
        const d = c.destinations[name];
        if (!d)
          ctx.addIssue({
            code: 'custom',
            path: ['people', person, 'destinations', i],
            message: `${name} is not in alerts.destinations`,
          });
        else if (d.via === 'email' && !c.email)
          ctx.addIssue({
            code: 'custom',
            path: ['email'],
            message: `required for the email destination ${name}: {"account", "from"}`,
          });
      }
    }
  });
export type AlertsConfig = z.output<typeof AlertsConfigSchema>;
