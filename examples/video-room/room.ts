import type { ChatStore } from '@plaza/server';

/** The user id that owns the demo group. */
const ROOM_OWNER = { id: 'plaza-video-room', name: 'Plaza video room', metadata: null };
/** Title of the group whose call everyone joins. */
const TITLE = 'Video room';

/**
 * The one demo group: created on first use (or found again after a restart, since it lives in the
 * server's SQLite store); every demo user becomes a member when they get a token.
 */
export class VideoRoom {
  #id: Promise<string> | null = null;

  constructor(private readonly store: ChatStore) {}

  /** Records the user's name and makes them a member; returns the group's conversation id. */
  async admit(user: { id: string; name: string }): Promise<string> {
    const id = await this.#ensure();
    await this.store.upsertUser({ id: user.id, name: user.name || user.id, metadata: null });
    if (!(await this.store.getMembership(id, user.id))) {
      await this.store.addMembers(id, [{ userId: user.id, role: 'member' }]);
    }
    return id;
  }

  #ensure(): Promise<string> {
    this.#id ??= this.#findOrCreate().catch((error: unknown) => {
      this.#id = null;
      throw error;
    });
    return this.#id;
  }

  async #findOrCreate(): Promise<string> {
    const existing = (await this.store.listConversations(ROOM_OWNER.id)).find((c) => c.kind === 'group' && c.title === TITLE);
    if (existing) return existing.id;
    await this.store.upsertUser(ROOM_OWNER);
    const created = await this.store.createConversation({
      kind: 'group',
      title: TITLE,
      topic: 'demo',
      externalRef: null,
      createdBy: ROOM_OWNER.id,
      members: [{ userId: ROOM_OWNER.id, role: 'owner' }],
    });
    return created.id;
  }
}
