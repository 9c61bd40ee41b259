import type { Presence } from '@plaza/protocol';
import type { ChosenStatus, PresenceChange, PresenceStore } from './PresenceStore.js';

interface Entry {
  devices: Set<string>;
  status: ChosenStatus;
  statusText: string | null;
  lastSeenAt: string | null;
}

/**
 * {@link PresenceStore} in process memory: right for one node. Chosen status and text survive
 * reconnects while the process runs; users without devices keep only their last-seen time.
 */
export class MemoryPresenceStore implements PresenceStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => Date;

  /** @param options - `now` replaces the clock (tests) */
  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  #entry(userId: string): Entry {
    let entry = this.#entries.get(userId);
    if (!entry) {
      entry = { devices: new Set(), status: 'online', statusText: null, lastSeenAt: null };
      this.#entries.set(userId, entry);
    }
    return entry;
  }

  #view(userId: string, entry: Entry | undefined): Presence {
    if (!entry) return { userId, status: 'offline', statusText: null, lastSeenAt: null, devices: 0 };
    const devices = entry.devices.size;
    return {
      userId,
      status: devices > 0 ? entry.status : 'offline',
      statusText: devices > 0 ? entry.statusText : null,
      lastSeenAt: entry.lastSeenAt,
      devices,
    };
  }

  /** @inheritDoc */
  async connect(userId: string, deviceId: string): Promise<PresenceChange> {
    const entry = this.#entry(userId);
    const before = entry.devices.size;
    entry.devices.add(deviceId);
    entry.lastSeenAt = this.#now().toISOString();
    return { presence: this.#view(userId, entry), changed: before === 0 };
  }

  /** @inheritDoc */
  async disconnect(userId: string, deviceId: string): Promise<PresenceChange> {
    const entry = this.#entries.get(userId);
    if (!entry || !entry.devices.delete(deviceId)) return { presence: this.#view(userId, entry), changed: false };
    entry.lastSeenAt = this.#now().toISOString();
    return { presence: this.#view(userId, entry), changed: entry.devices.size === 0 };
  }

  /** @inheritDoc */
  async set(userId: string, status: ChosenStatus, statusText: string | null | undefined): Promise<Presence> {
    const entry = this.#entry(userId);
    entry.status = status;
    if (statusText !== undefined) entry.statusText = statusText;
    return this.#view(userId, entry);
  }

  /** @inheritDoc */
  async get(userIds: readonly string[]): Promise<Presence[]> {
    return userIds.map((id) => this.#view(id, this.#entries.get(id)));
  }
}
