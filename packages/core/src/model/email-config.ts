import { z } from 'zod';
import { timestampSchema } from './common.js';

/** Who receives alert emails. Lives in the store so it can be changed at run time. */
export const emailConfigSchema = z.object({
  enabled: z.boolean(),
  recipients: z.array(z.email().max(254)).max(100),
  updatedAt: timestampSchema,
});
/** Email recipients and the on/off switch; see {@link emailConfigSchema}. */
export type EmailConfig = z.infer<typeof emailConfigSchema>;
