import { z } from 'zod';
import type { Action } from './channels.ts';
import { LIMITS } from './limits.ts';

const postId = z.string().regex(/^[0-9]{1,19}$/, { error: 'must be a post id: 1 to 19 digits' });

export const XPostPayload = z.strictObject({
  text: z.string().min(1).max(LIMITS.xTextChars),
});

export const XReplyPayload = z.strictObject({
  text: z.string().min(1).max(LIMITS.xTextChars),
  inReplyToPostId: postId,
});

export const XDeletePayload = z.strictObject({
  postId,
});

const mailbox = z.email({ error: 'must be an email address' });
const mailboxes = z.array(mailbox).max(LIMITS.emailRecipients);
const messageId = z
  .string()
  .regex(/^<[^<>\s]+@[^<>\s]+>$/, { error: 'must be a Message-ID like <id@domain>' });

export const EmailAttachment = z.strictObject({
  filename: z.string().min(1).max(255),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, { error: 'must be a MIME type like text/plain' }),
  contentBase64: z.base64({ error: 'must be base64' }),
});

export const EmailSendPayload = z
  .strictObject({
    from: mailbox,
    to: mailboxes.min(1),
    cc: mailboxes.optional(),
    bcc: mailboxes.optional(),
    subject: z.string().max(LIMITS.emailSubjectChars),
    text: z.string().max(LIMITS.emailBodyChars).optional(),
    html: z.string().max(LIMITS.emailBodyChars).optional(),
    replyTo: mailbox.optional(),
    inReplyTo: messageId.optional(),
    references: z.array(messageId).max(100).optional(),
    attachments: z.array(EmailAttachment).max(20).optional(),
  })
  .superRefine((mail, ctx) => {
    if (mail.text === undefined && mail.html === undefined) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'text or html is required' });
    }
    const bytes = (mail.attachments ?? []).reduce(
      (sum, a) => sum + Math.floor((a.contentBase64.length * 3) / 4),
      0,
    );
    if (bytes > LIMITS.emailAttachmentBytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['attachments'],
        message: `attachments are ${bytes} bytes together; at most ${LIMITS.emailAttachmentBytes} are allowed`,
      });
    }
  });

const calendarId = z.string().min(1).max(1024).default('primary');
/** Google's event ids: base32hex characters (a-v, 0-9), 5 to 1024 long. */
const eventId = z.string().regex(/^[a-v0-9]{5,1024}$/, { error: 'must be a calendar event id (a-v, 0-9)' });
const eventTime = z.union(
  [
    z.strictObject({ dateTime: z.iso.datetime({ offset: true }), timeZone: z.string().min(1).optional() }),
    z.strictObject({ date: z.iso.date() }),
  ],
  { error: 'must be {dateTime, timeZone?} or {date}' },
);
const eventFields = {
  summary: z.string().max(LIMITS.calendarTextChars),
  description: z.string().max(LIMITS.calendarTextChars).optional(),
  location: z.string().max(LIMITS.calendarTextChars).optional(),
  start: eventTime,
  end: eventTime,
  attendees: z
    .array(z.strictObject({ email: mailbox, optional: z.boolean().optional() }))
    .max(200)
    .optional(),
};

export const CalendarCreatePayload = z.strictObject({ calendarId, ...eventFields });

export const CalendarUpdatePayload = z
  .strictObject({
    calendarId,
    eventId,
    summary: eventFields.summary.optional(),
    description: eventFields.description,
    location: eventFields.location,
    start: eventTime.optional(),
    end: eventTime.optional(),
    attendees: eventFields.attendees,
  })
  .refine((p) => Object.keys(p).some((k) => k !== 'calendarId' && k !== 'eventId'), {
    message: 'an update must change at least one field',
    path: ['summary'],
  });

export const CalendarDeletePayload = z.strictObject({ calendarId, eventId });

/** An intent names a configured endpoint, never a URL: the executor's secrets map names to URLs. */
export const WebhookCallPayload = z.strictObject({
  endpoint: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be an endpoint name (a-z, 0-9, _ and -)' }),
  body: z.json().optional(),
});

/**
 * An alert to a person, by destination name: the executor's secrets map the name to an ntfy
 * topic, a Telegram chat or a Slack-compatible webhook, so the coordinator names no address.
 */
export const NotifySendPayload = z.strictObject({
  destination: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be a destination name (a-z, 0-9, _ and -)' }),
  title: z.string().min(1).max(LIMITS.notifyTitleChars),
  text: z.string().min(1).max(LIMITS.notifyTextChars),
  /** Where the person acts (the dashboard's approval view); only http(s). */
  link: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  priority: z.enum(['low', 'default', 'high']).default('default'),
});

export const PAYLOADS = {
  'x.post': XPostPayload,
  'x.reply': XReplyPayload,
  'x.delete': XDeletePayload,
  'email.send': EmailSendPayload,
  'calendar.create': CalendarCreatePayload,
  'calendar.update': CalendarUpdatePayload,
  'calendar.delete': CalendarDeletePayload,
  'webhook.call': WebhookCallPayload,
  'notify.send': NotifySendPayload,
} as const satisfies Record<Action, z.ZodType>;

export type PayloadOf<A extends Action> = z.output<(typeof PAYLOADS)[A]>;
