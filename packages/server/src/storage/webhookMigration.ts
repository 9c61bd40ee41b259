import type { Kysely, Migration } from 'kysely';

/**
 * `0006_webhooks`: secret rotation. The secret a rotation replaced keeps signing (a second
 * signature) until `previous_secret_expires_at`, so receivers can switch without losing events.
 */
export const webhookSecretRotation: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('webhook_endpoints').addColumn('previous_secret', 'text').execute();
    await db.schema.alterTable('webhook_endpoints').addColumn('previous_secret_expires_at', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('webhook_endpoints').dropColumn('previous_secret_expires_at').execute();
    await db.schema.alterTable('webhook_endpoints').dropColumn('previous_secret').execute();
  },
};
