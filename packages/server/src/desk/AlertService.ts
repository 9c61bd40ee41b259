import { ErrorCode } from '@plaza/protocol';
import type { Alert, AlertChannel, AlertSeverity, Member } from '@plaza/protocol';
import { PlazaError } from '../errors.js';
import { addMembersAs, removeMemberAs } from '../signaling/actions.js';
import type { Actor } from '../signaling/actions.js';
import type { SignalingContext } from '../signaling/context.js';
import { conversationRoom } from '../signaling/context.js';
import { announceAdded } from '../signaling/fanout.js';
import type { AlertChannelPatch, AlertQuery } from '../storage/AlertRecords.js';

/**
 * The user id alerts speak as: the sender of their system messages, the creator of alert channels'
 * conversations and the citizen of the requests their escalations open.
 */
export const ALERT_SYSTEM_USER = 'system:alerts';

/** A channel to create (see {@link AlertService.createChannel}). */
export interface AlertChannelInput {
  id: string;
  name: string;
  topic?: string | undefined;
  area?: string | undefined;
  ackTimeoutSec?: number | undefined;
  escalationDepartmentId?: string | undefined;
  memberIds?: string[] | undefined;
}

/** An alert to post (see {@link AlertService.post}). */
export interface AlertInput {
  title: string;
  body: string;
  severity: AlertSeverity;
  source: string;
  clientId?: string | undefined;
}

const severityLabel: Record<AlertSeverity, string> = { info: 'Info', warning: 'Warning', critical: 'Critical alert' };

/** The text of an alert's system message in its channel's conversation. */
export function alertMessageText(alert: AlertInput): string {
  const head = `${severityLabel[alert.severity]} from ${alert.source}: ${alert.title}`;
  return alert.body.length > 0 ? `${head}\n\n${alert.body}` : head;
}

/**
 * Alert channels, alerts and acknowledgements with their live effects: every change is stored
 * with its outbox event by `store.alerts`, then announced to the channel conversation's room
 * (`alert:new`, `alert:updated`, `message:new`) and audited. Recipient changes go through the
 * same membership actions as conversation members. Used by the REST handlers (the API key acts)
 * and the socket handlers (a user acts); escalation lives in `AlertEscalator`.
 */
export class AlertService {
  /** @param server - store, socket.io, auditor and metrics of the server */
  constructor(private readonly server: SignalingContext) {}

  /** A channel, or `CHANNEL_NOT_FOUND`. */
  async requireChannel(channelId: string): Promise<AlertChannel> {
    const channel = await this.server.store.alerts.getChannel(channelId);
    if (!channel) throw new PlazaError(ErrorCode.CHANNEL_NOT_FOUND, `no alert channel ${channelId}`);
    return channel;
  }

  /**
   * Creates a channel and its conversation; the recipients' connected devices get
   * `conversation:added`. Throws `CONFLICT`, `DEPARTMENT_NOT_FOUND`.
   */
  async createChannel(input: AlertChannelInput, actor: Actor): Promise<AlertChannel> {
    const memberIds = [...new Set(input.memberIds ?? [])];
    const { channel } = await this.server.store.alerts.createChannel({
      id: input.id,
      name: input.name,
      topic: input.topic ?? null,
      area: input.area ?? null,
      ackTimeoutSec: input.ackTimeoutSec ?? null,
      escalationDepartmentId: input.escalationDepartmentId ?? null,
      memberIds,
      createdBy: ALERT_SYSTEM_USER,
    });
    for (const userId of memberIds) {
      this.server.auditor.record({
        action: 'member.added',
        actorId: actor.actorId,
        target: channel.conversationId,
        ip: actor.ip,
        details: { userId, role: 'member', alertChannelId: channel.id },
      });
    }
    await announceAdded(this.server, channel.conversationId, memberIds);
    return channel;
  }

  /** Changes a channel; a renamed conversation is announced. Throws `CHANNEL_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`. */
  async updateChannel(channelId: string, patch: AlertChannelPatch): Promise<AlertChannel> {
    const { channel, conversation } = await this.server.store.alerts.updateChannel(channelId, patch);
    if (conversation) this.server.io.to(conversationRoom(conversation.id)).emit('conversation:updated', conversation);
    return channel;
  }

  /** Adds recipients (as a membership change: audit, `conversation:added`, `member:updated`). Throws `CHANNEL_NOT_FOUND`. */
  async addRecipients(channelId: string, userIds: readonly string[], actor: Actor): Promise<Member[]> {
    const channel = await this.requireChannel(channelId);
    const members = [...new Set(userIds)].map((userId) => ({ userId, role: 'member' as const }));
    return addMembersAs(this.server, actor, channel.conversationId, members, { alertChannelId: channel.id });
  }

  /** Removes a recipient (as a membership change). Throws `CHANNEL_NOT_FOUND`, `NOT_A_MEMBER`. */
  async removeRecipient(channelId: string, userId: string, actor: Actor): Promise<void> {
    const channel = await this.requireChannel(channelId);
    const removed = await removeMemberAs(this.server, actor, channel.conversationId, userId, 'removed');
    if (!removed) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${userId} is not a recipient of alert channel ${channelId}`);
  }

  /**
   * Posts an alert: stored with its system message and `alert.created`, then `message:new` and
   * `alert:new` to the channel's room. A retry (same source and clientId) answers the first alert
   * and announces nothing. Throws `CHANNEL_NOT_FOUND`, `CONFLICT`.
   */
  async post(channelId: string, input: AlertInput): Promise<Alert> {
    const { alert, message, duplicate } = await this.server.store.alerts.post({
      channelId,
      title: input.title,
      body: input.body,
      severity: input.severity,
      source: input.source,
      clientId: input.clientId ?? null,
      senderId: ALERT_SYSTEM_USER,
      messageText: alertMessageText(input),
    });
    if (!duplicate) {
      const room = this.server.io.to(conversationRoom(alert.conversationId));
      if (message) {
        this.server.metrics.messages.inc();
        room.emit('message:new', message);
      }
      room.emit('alert:new', alert);
    }
    return alert;
  }

  /** An alert, or `ALERT_NOT_FOUND`. */
  async get(alertId: string): Promise<Alert> {
    const alert = await this.server.store.alerts.get(alertId);
    if (!alert) throw new PlazaError(ErrorCode.ALERT_NOT_FOUND, `no alert ${alertId}`);
    return alert;
  }

  /** A page of alerts, newest first (the export). Throws `CHANNEL_NOT_FOUND` for an unknown `channelId`. */
  async list(query: AlertQuery): Promise<{ items: Alert[]; nextCursor: string | null }> {
    if (query.channelId !== undefined) await this.requireChannel(query.channelId);
    return this.server.store.alerts.list(query);
  }

  /**
   * The alerts of the channels `userId` receives (of one channel, when given), newest first.
   * Throws `CHANNEL_NOT_FOUND`, `NOT_A_MEMBER` (not a recipient of that channel).
   */
  async listFor(userId: string, options: { channelId?: string | undefined; limit: number }): Promise<Alert[]> {
    if (options.channelId !== undefined) {
      const channel = await this.requireChannel(options.channelId);
      if (!(await this.server.store.getMembership(channel.conversationId, userId))) {
        throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${userId} is not a recipient of alert channel ${channel.id}`);
      }
    }
    const page = await this.server.store.alerts.list({
      memberId: userId,
      limit: options.limit,
      ...(options.channelId !== undefined ? { channelId: options.channelId } : {}),
    });
    return page.items;
  }

  /**
   * Records `actor`'s acknowledgement; the first one of each recipient is audited and announced
   * (`alert:updated`), again changes nothing. Throws `ALERT_NOT_FOUND`, `NOT_A_MEMBER`.
   */
  async acknowledge(alertId: string, actor: Actor): Promise<Alert> {
    const { alert, changed } = await this.server.store.alerts.acknowledge(alertId, actor.actorId);
    if (changed) {
      this.server.auditor.record({ action: 'alert.acknowledged', actorId: actor.actorId, target: alert.id, ip: actor.ip, details: { channelId: alert.channelId } });
      this.server.io.to(conversationRoom(alert.conversationId)).emit('alert:updated', alert);
    }
    return alert;
  }
}
