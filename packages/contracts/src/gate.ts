import { z } from 'zod';

/**
 * A kill-switch record. `enabled: false` stops every new side effect in its scope
 * (all channels, or one); effects already in flight finish and are receipted.
 */
export const GateRecordSchema = z.strictObject({
  enabled: z.boolean(),
  by: z.string().min(1).max(200),
  reason: z.string().min(1, { error: 'a reason is required' }).max(2000),
  at: z.iso.datetime({ offset: true }),
});
export type GateRecord = z.output<typeof GateRecordSchema>;

/** The local file on the executor host, read when Redis cannot be written. */
export const LocalGateFileSchema = z.object({ enabled: z.boolean(), reason: z.string().optional() });
export type LocalGateFile = z.output<typeof LocalGateFileSchema>;
