import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { ChatDialect } from './migrations.js';

/**
 * The citizen desk: departments and their agents, topics routed to departments, requests (one per
 * conversation of kind `request`) with their history, alert channels, alerts and their
 * acknowledgements.
 */
export const deskMigration = (dialect: ChatDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const autoIncrementKey = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
      dialect === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();

    await db.schema
      .createTable('departments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('opening_hours', 'text')
      .addColumn('first_response_sla_sec', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('department_agents')
      .addColumn('department_id', 'text', (c) => c.notNull().references('departments.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('department_agents_pk', ['department_id', 'user_id'])
      .execute();
    await db.schema.createIndex('department_agents_user').on('department_agents').columns(['user_id']).execute();

    await db.schema
      .createTable('topics')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('department_id', 'text', (c) => c.notNull().references('departments.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('requests')
      .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
      .addColumn('topic_id', 'text', (c) => c.notNull())
      .addColumn('department_id', 'text', (c) => c.notNull())
      .addColumn('citizen_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('assignee_id', 'text')
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('location', 'text')
      .addColumn('transfer_note', 'text')
      .addColumn('resolution', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('queued_at', 'text', (c) => c.notNull())
      .addColumn('first_response_at', 'text')
      .addColumn('sla_due_at', 'text')
      .addColumn('sla_missed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('resolved_at', 'text')
      .execute();
    await db.schema.createIndex('requests_citizen_client').unique().on('requests').columns(['citizen_id', 'client_id']).execute();
    await db.schema.createIndex('requests_queue').on('requests').columns(['department_id', 'status', 'queued_at']).execute();
    await db.schema.createIndex('requests_assignee').on('requests').columns(['assignee_id', 'status']).execute();
    await db.schema.createIndex('requests_sla').on('requests').columns(['sla_missed', 'sla_due_at']).execute();

    await db.schema
      .createTable('request_events')
      .addColumn('id', 'integer', autoIncrementKey)
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('change', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('from_department_id', 'text')
      .addColumn('to_department_id', 'text')
      .addColumn('note', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('request_events_conversation').on('request_events').columns(['conversation_id', 'id']).execute();

    await db.schema
      .createTable('alert_channels')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('topic', 'text')
      .addColumn('area', 'text')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id'))
      .addColumn('ack_timeout_sec', 'integer')
      .addColumn('escalation_department_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('channel_id', 'text', (c) => c.notNull().references('alert_channels.id'))
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text')
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('ack_deadline_at', 'text')
      .addColumn('escalated_at', 'text')
      .addColumn('escalation_request_id', 'text')
      .execute();
    await db.schema.createIndex('alerts_channel').on('alerts').columns(['channel_id', 'created_at']).execute();
    await db.schema.createIndex('alerts_source_client').unique().on('alerts').columns(['source', 'client_id']).execute();
    await db.schema.createIndex('alerts_deadline').on('alerts').columns(['escalated_at', 'ack_deadline_at']).execute();

    await db.schema
      .createTable('alert_acks')
      .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('alert_acks_pk', ['alert_id', 'user_id'])
      .execute();
    await db.schema.createIndex('alert_acks_user').on('alert_acks').columns(['user_id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['alert_acks', 'alerts', 'alert_channels', 'request_events', 'requests', 'topics', 'department_agents', 'departments']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
});
