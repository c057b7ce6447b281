/** Size limits of the wire contract. A producer that exceeds one gets an error naming the field. */
export const LIMITS = {
  /** Bytes of the JSON in an intents entry's `intent` field. */
  intentBytes: 1_048_576,
  idempotencyKeyChars: 200,
  accountChars: 64,
  /** X counts weighted characters; long posts exist on paid tiers, so only an upper bound is enforced here. */
  xTextChars: 25_000,
  /** Posts of one x.thread: at least two; at most 25, so that one thread spends a quarter of X's 100 posts per 15 min at most. */
  xThreadMinParts: 2,
  xThreadMaxParts: 25,
  emailRecipients: 100,
  emailSubjectChars: 998,
  emailBodyChars: 500_000,
  /** Decoded bytes of all attachments of one email together. */
  emailAttachmentBytes: 512_000,
  calendarTextChars: 8_192,
  /** Recurrence lines (RRULE, EXDATE, RDATE) of one event. */
  recurrenceLines: 20,
  webhookBodyBytes: 65_536,
  /** Telegram's limit for one message (ntfy keeps 4096 bytes as a message, Slack more). */
  notifyTextChars: 4096,
  notifyTitleChars: 250,
  metaEntries: 32,
} as const;
