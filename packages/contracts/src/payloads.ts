import { z } from 'zod';
import type { Action } from './channels.ts';
import { LIMITS } from './limits.ts';
import { RECURRENCE_LINE_PREFIX, recurrenceLineProblem } from './recurrence.ts';
import { XMediaList } from './x-media.ts';

const postId = z.string().regex(/^[0-9]{1,19}$/, { error: 'must be a post id: 1 to 19 digits' });

const xText = z.string().min(1).max(LIMITS.xTextChars);

export const XPostPayload = z.strictObject({
  text: xText,
  media: XMediaList.optional(),
});

export const XReplyPayload = z.strictObject({
  text: xText,
  inReplyToPostId: postId,
  media: XMediaList.optional(),
});

/**
 * A thread: posts that go out in order, each replying to the one before, under one key and
 * one approval. Each part gets a receipt of its own (key `<key>/part/<n>`), then the thread.
 */
export const XThreadPayload = z.strictObject({
  parts: z
    .array(z.strictObject({ text: xText, media: XMediaList.optional() }))
    .min(LIMITS.xThreadMinParts, {
      error: `must have ${LIMITS.xThreadMinParts} to ${LIMITS.xThreadMaxParts} parts`,
    })
    .max(LIMITS.xThreadMaxParts, {
      error: `must have ${LIMITS.xThreadMinParts} to ${LIMITS.xThreadMaxParts} parts`,
    })
    .superRefine((parts, ctx) => {
      // X refuses a post identical to a recent one of the author's (403 duplicate content),
      // comparing the text NFC-normalised and trimmed: a thread repeating a part cannot go out.
      const seen = new Map<string, number>();
      for (const [i, part] of parts.entries()) {
        // Runs even when a part is invalid (its own issue says why): only texts are compared.
        if (typeof part?.text !== 'string') continue;
        const same = seen.get(part.text.normalize('NFC').trim());
        if (same !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'text'],
            message: `is the text of part ${same + 1}; X refuses a post that repeats a recent one`,
          });
        }
        seen.set(part.text.normalize('NFC').trim(), i);
      }
    }),
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
/** RRULE, EXDATE and RDATE lines (RFC 5545 §3.8.5), each checked at intake; one RRULE at most. */
const recurrence = z
  .array(
    z
      .string()
      .max(1000)
      // The prefix alone is what a JSON Schema can say; the full check is recurrenceLineProblem.
      .regex(RECURRENCE_LINE_PREFIX, { error: 'must be an RRULE:, EXDATE or RDATE line (RFC 5545)' })
      .superRefine((line, ctx) => {
        if (!RECURRENCE_LINE_PREFIX.test(line)) return;
        const problem = recurrenceLineProblem(line);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  )
  .max(LIMITS.recurrenceLines)
  .refine((lines) => lines.filter((l) => l.startsWith('RRULE:')).length <= 1, {
    error: 'at most one RRULE line (RFC 5545 says it should not occur twice)',
  });
/**
 * Who Google tells of the change: `all` guests, `externalOnly` (guests not on Google Calendar)
 * or `none`. Omitted: `all` when the event has guests, else `none` (Google's own default when
 * the parameter is missing sends nothing to guests outside Google).
 */
const sendUpdates = z.enum(['all', 'externalOnly', 'none']).optional();
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
  recurrence: recurrence.optional(),
  /** Attach a Google Meet link (created once per intent: its request id comes from the key). */
  meet: z.boolean().optional(),
};

export const CalendarCreatePayload = z
  .strictObject({ calendarId, ...eventFields, sendUpdates })
  .superRefine((p, ctx) => {
    // Google expands a rule in the event's zone and refuses a recurring dateTime without one.
    if (!p.recurrence?.length) return;
    for (const side of ['start', 'end'] as const) {
      const t = p[side];
      if ('dateTime' in t && !t.timeZone) {
        ctx.addIssue({
          code: 'custom',
          path: [side, 'timeZone'],
          message: 'a recurring event needs the time zone its rule repeats in (e.g. Europe/Berlin)',
        });
      }
    }
  });

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
    recurrence: eventFields.recurrence,
    /** Adds a Meet link to an event that has none. */
    meet: z.literal(true, { error: 'must be true (adds a Meet link)' }).optional(),
    sendUpdates,
  })
  .refine((p) => Object.keys(p).some((k) => !['calendarId', 'eventId', 'sendUpdates'].includes(k)), {
    message: 'an update must change at least one field',
    path: ['summary'],
  });

export const CalendarDeletePayload = z.strictObject({ calendarId, eventId, sendUpdates });

/** An intent names a configured endpoint, never a URL: the executor's secrets map names to URLs. */
export const WebhookCallPayload = z.strictObject({
  endpoint: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be an endpoint name (a-z, 0-9, _ and -)' }),
  body: z.json().optional(),
});

// caldav: any CalDAV server (iCloud, Fastmail, Nextcloud, Radicale). An intent names a calendar
// configured in the executor's secrets and an object (a resource name) in it, never a URL.
const caldavCalendar = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be a calendar name (a-z, 0-9, _ and -)' })
  .default('default');
/** A calendar object's resource name in its collection, as a create's receipt gives it (`externalId`). */
const caldavObject = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@+=-]{0,254}$/, {
  error: 'must be a calendar object name (letters, digits and . _ @ + = -)',
});
/** An IANA zone name the runtime knows (Intl), e.g. Europe/Berlin. */
const timeZoneName = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return /^[A-Za-z][A-Za-z0-9_+/-]{0,63}$/.test(tz);
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone like Europe/Berlin' },
);
/**
 * A time in UTC, or with `timeZone` as wall time in that zone (TZID and VTIMEZONE), so that a
 * recurring event keeps its local hour across daylight saving; a whole-day event takes `date`.
 */
const caldavTime = z.union(
  [
    z.strictObject({ dateTime: z.iso.datetime({ offset: true }), timeZone: timeZoneName.optional() }),
    z.strictObject({ date: z.iso.date() }),
  ],
  { error: 'must be {dateTime, timeZone?} (ISO 8601 with a zone) or {date}' },
);
const caldavFields = {
  summary: z.string().max(LIMITS.calendarTextChars),
  description: z.string().max(LIMITS.calendarTextChars).optional(),
  location: z.string().max(LIMITS.calendarTextChars).optional(),
  start: caldavTime,
  end: caldavTime,
  recurrence: recurrence.optional(),
};

export const CaldavCreatePayload = z.strictObject({ calendar: caldavCalendar, ...caldavFields });

export const CaldavUpdatePayload = z
  .strictObject({
    calendar: caldavCalendar,
    object: caldavObject,
    summary: caldavFields.summary.optional(),
    description: caldavFields.description,
    location: caldavFields.location,
    start: caldavTime.optional(),
    end: caldavTime.optional(),
    recurrence: caldavFields.recurrence,
  })
  .refine((p) => Object.keys(p).some((k) => k !== 'calendar' && k !== 'object'), {
    message: 'an update must change at least one field',
    path: ['summary'],
  });

export const CaldavDeletePayload = z.strictObject({ calendar: caldavCalendar, object: caldavObject });
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
  'x.thread': XThreadPayload,
  'email.send': EmailSendPayload,
  'calendar.create': CalendarCreatePayload,
  'calendar.update': CalendarUpdatePayload,
  'calendar.delete': CalendarDeletePayload,
  'webhook.call': WebhookCallPayload,
  'caldav.create': CaldavCreatePayload,
  'caldav.update': CaldavUpdatePayload,
  'caldav.delete': CaldavDeletePayload,
  'notify.send': NotifySendPayload,
} as const satisfies Record<Action, z.ZodType>;

export type PayloadOf<A extends Action> = z.output<(typeof PAYLOADS)[A]>;
