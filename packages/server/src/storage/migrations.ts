import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from 'kysely';
import { deskMigration } from './deskMigration.js';
import { webhookSecretRotation } from './webhookMigration.js';

/** Databases the chat schema is written for. */
export type ChatDialect = 'sqlite' | 'postgres';

/**
 * The schema, as code (nothing is read from disk at run time). Written with Kysely's schema
 * builder so the same migrations run on PostgreSQL; the only dialect-specific part is the
 * auto-increment key (see {@link autoIncrementKey}).
 */
const initial = (dialect: ChatDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    /** SQLite: `integer primary key autoincrement`; PostgreSQL: an identity column. */
    const autoIncrementKey = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
      dialect === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('title', 'text')
      .addColumn('topic', 'text')
      .addColumn('external_ref', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_rev', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_activity_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('conversations_external_ref').on('conversations').column('external_ref').execute();

    await db.schema
      .createTable('members')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('last_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('joined_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('members_pk', ['conversation_id', 'user_id'])
      .execute();
    await db.schema.createIndex('members_user').on('members').columns(['user_id', 'conversation_id']).execute();

    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('rev', 'integer', (c) => c.notNull())
      .addColumn('client_id', 'text')
      .addColumn('sender_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('reply_to', 'text')
      .addColumn('mentions', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('edited_at', 'text')
      .addColumn('deleted_at', 'text')
      .addUniqueConstraint('messages_conversation_seq', ['conversation_id', 'seq'])
      .addUniqueConstraint('messages_client_id', ['conversation_id', 'sender_id', 'client_id'])
      .execute();
    await db.schema.createIndex('messages_conversation_rev').on('messages').columns(['conversation_id', 'rev']).execute();

    await db.schema
      .createTable('reactions')
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
      .addColumn('emoji', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('rev', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('reactions_pk', ['conversation_id', 'message_id', 'emoji', 'user_id'])
      .execute();

    await db.schema
      .createTable('direct_pairs')
      .addColumn('user_a', 'text', (c) => c.notNull())
      .addColumn('user_b', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull().unique().references('conversations.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('direct_pairs_pk', ['user_a', 'user_b'])
      .execute();

    await db.schema
      .createTable('outbox')
      .addColumn('id', 'integer', autoIncrementKey)
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema.createIndex('outbox_undelivered').on('outbox').columns(['delivered_at', 'id']).execute();

    await db.schema
      .createTable('audit')
      .addColumn('id', 'integer', autoIncrementKey)
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('target', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('ip', 'text')
      .addColumn('details', 'text')
      .execute();
    await db.schema.createIndex('audit_actor').on('audit').columns(['actor_id', 'id']).execute();
    await db.schema.createIndex('audit_action').on('audit').columns(['action', 'id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['audit', 'outbox', 'direct_pairs', 'reactions', 'messages', 'members', 'conversations', 'users']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
});

/**
 * Files (issue 4): completed uploads and the files attached to each message. A file row outlives
 * its messages only until the last message referencing it is deleted.
 */
const files: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('files')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('uploader_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('mime_type', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('has_thumbnail', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('thumbnail_mime', 'text')
      .addColumn('storage_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('files_uploader').on('files').columns(['uploader_id']).execute();
    await db.schema.createIndex('files_conversation').on('files').columns(['conversation_id']).execute();

    await db.schema
      .createTable('message_attachments')
      .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('file_id', 'text', (c) => c.notNull().references('files.id'))
      .addPrimaryKeyConstraint('message_attachments_pk', ['message_id', 'position'])
      .execute();
    await db.schema.createIndex('message_attachments_file').on('message_attachments').columns(['file_id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('message_attachments').ifExists().execute();
    await db.schema.dropTable('files').ifExists().execute();
  },
};

/**
 * Outbox rows name their message, so editing or deleting it can scrub the old text from earlier
 * rows; timestamp indexes let the retention sweep delete old outbox and audit rows cheaply.
 */
const outboxMessageId: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('outbox').addColumn('message_id', 'text').execute();
    await db.schema.createIndex('outbox_message').on('outbox').column('message_id').execute();
    await db.schema.createIndex('outbox_created').on('outbox').column('created_at').execute();
    await db.schema.createIndex('audit_at').on('audit').column('at').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('audit_at').ifExists().execute();
    await db.schema.dropIndex('outbox_created').ifExists().execute();
    await db.schema.dropIndex('outbox_message').ifExists().execute();
    await db.schema.alterTable('outbox').dropColumn('message_id').execute();
  },
};

/**
 * Drops `outbox_undelivered`: nothing reads `delivered_at` yet, and the index cost every message
 * commit one more page in the WAL (a future relay can walk the outbox by `id` instead).
 */
const dropOutboxUndelivered: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('outbox_undelivered').ifExists().execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('outbox_undelivered').on('outbox').columns(['delivered_at', 'id']).execute();
  },
};

/**
 * Integration: webhook endpoints and their deliveries (fanned out from the outbox), a per-user
 * session revocation time, per-conversation message retention, and a key/value table for small
 * server state (the webhook dispatcher's outbox cursor).
 */
const integration = (dialect: ChatDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const autoIncrementKey = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
      dialect === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();

    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'integer', autoIncrementKey)
      .addColumn('endpoint_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema.createIndex('webhook_deliveries_endpoint_event').unique().on('webhook_deliveries').columns(['endpoint_id', 'event_id']).execute();
    await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['event_id']).execute();

    await db.schema
      .createTable('server_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema.alterTable('users').addColumn('sessions_revoked_at', 'text').execute();
    await db.schema.alterTable('conversations').addColumn('retention_seconds', 'integer').execute();
    await db.schema.createIndex('conversations_topic').on('conversations').columns(['topic']).execute();
    await db.schema.createIndex('audit_target').on('audit').columns(['target', 'id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('audit_target').ifExists().execute();
    await db.schema.dropIndex('conversations_topic').ifExists().execute();
    await db.schema.alterTable('conversations').dropColumn('retention_seconds').execute();
    await db.schema.alterTable('users').dropColumn('sessions_revoked_at').execute();
    await db.schema.dropTable('server_state').execute();
    await db.schema.dropTable('webhook_deliveries').execute();
    await db.schema.dropTable('webhook_endpoints').execute();
  },
});

/**
 * Per-user storage use (issue 4): `file_usage` holds each uploader's count and total size of file
 * rows, kept exact by triggers on `files`, so a quota check reads one row instead of summing all of
 * the user's files on every upload. Triggers see every path that adds or removes file rows
 * (recording an upload, releasing a message's attachments, the sweeps, an erasure, and the cascade
 * of a conversation's deletion: SQLite and PostgreSQL both fire them for foreign-key actions). A
 * user's row goes with their last file, so an erasure leaves nothing behind. Existing rows are
 * counted once here.
 */
const fileUsage = (dialect: ChatDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('file_usage')
      .addColumn('uploader_id', 'text', (c) => c.primaryKey())
      .addColumn('files', 'bigint', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .execute();
    // Triggers have no portable syntax: the same statements, in each dialect's wrapping.
    const add = (row: string) =>
      `insert into file_usage (uploader_id, files, bytes) values (${row}.uploader_id, 1, ${row}.size)` +
      ' on conflict (uploader_id) do update set files = file_usage.files + 1, bytes = file_usage.bytes + excluded.bytes;';
    const remove = (row: string) =>
      `update file_usage set files = files - 1, bytes = bytes - ${row}.size where uploader_id = ${row}.uploader_id;` +
      ` delete from file_usage where uploader_id = ${row}.uploader_id and files <= 0;`;
    if (dialect === 'sqlite') {
      await sql.raw(`create trigger files_usage_insert after insert on files begin ${add('new')} end`).execute(db);
      await sql.raw(`create trigger files_usage_delete after delete on files begin ${remove('old')} end`).execute(db);
      await sql.raw(`create trigger files_usage_update after update of uploader_id, size on files begin ${remove('old')} ${add('new')} end`).execute(db);
    } else {
      await sql
        .raw(
          'create function files_usage() returns trigger language plpgsql as $$ begin' +
            ` if tg_op in ('UPDATE', 'DELETE') then ${remove('old')} end if;` +
            ` if tg_op in ('INSERT', 'UPDATE') then ${add('new')} end if;` +
            ' return null; end $$',
        )
        .execute(db);
      await sql.raw('create trigger files_usage after insert or delete or update of uploader_id, size on files for each row execute function files_usage()').execute(db);
    }
    await sql`insert into file_usage (uploader_id, files, bytes) select uploader_id, count(*), sum(size) from files group by uploader_id`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    if (dialect === 'sqlite') {
      for (const name of ['files_usage_insert', 'files_usage_delete', 'files_usage_update']) await sql.raw(`drop trigger if exists ${name}`).execute(db);
    } else {
      await sql`drop trigger if exists files_usage on files`.execute(db);
      await sql`drop function if exists files_usage()`.execute(db);
    }
    await db.schema.dropTable('file_usage').ifExists().execute();
  },
});

/**
 * Files whose bytes may not be on disk yet (issue 4): a file row is recorded while the sync of
 * its bytes still runs, marked `bytes_pending = 1` until that sync is known to be done; a start
 * after a crash verifies the files still marked (see `FileService`).
 */
const fileBytesPending: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('files').addColumn('bytes_pending', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('files').dropColumn('bytes_pending').execute();
  },
};

/**
 * The chat migrations for one dialect, by name (Kysely applies them in name order), as a Kysely
 * migration provider.
 *
 * @param dialect - the database they will run on
 */
export function chatMigrationProvider(dialect: ChatDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_initial': initial(dialect),
    '0002_files': files,
    '0003_outbox_message_id': outboxMessageId,
    '0004_drop_outbox_undelivered': dropOutboxUndelivered,
    '0005_integration': integration(dialect),
    '0006_webhooks': webhookSecretRotation,
    '0007_desk': deskMigration(dialect),
    '0008_file_usage': fileUsage(dialect),
    '0009_file_bytes_pending': fileBytesPending,
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
