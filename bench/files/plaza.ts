import { PlazaClient } from '@plaza/client';
import type { Conversation } from '@plaza/client';
import { PROTOCOL_VERSION } from '@plaza/protocol';
import type { Ack, Message } from '@plaza/protocol';
import { AccessToken } from '@plaza/server-sdk';
import { connectSocket, request, type LoadSocket } from '../chat/sockets.js';

/** Credentials the bench's Plaza server is started with. */
export interface Credentials {
  apiKey: string;
  apiSecret: string;
}

/** A logger that drops everything (the bench prints its own progress). */
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * One Plaza user connected with the real client, owning one group conversation: uploads go
 * through `conversation.uploadFile` (tus-js-client underneath), downloads through signed URLs from
 * `plaza.files.url`.
 */
export class PlazaSide {
  readonly client: PlazaClient;
  readonly conversation: Conversation;
  /** A raw socket of the same user, for attaching and deleting (housekeeping, not measured). */
  readonly #socket: LoadSocket;

  private constructor(client: PlazaClient, conversation: Conversation, socket: LoadSocket) {
    this.client = client;
    this.conversation = conversation;
    this.#socket = socket;
  }

  /**
   * Connects user `bench-uploader` to the server at `url` and creates its conversation.
   * `uploadChunkBytes` overrides the client's PATCH size (its default when left out).
   */
  static async connect(url: string, credentials: Credentials, uploadChunkBytes?: number): Promise<PlazaSide> {
    const client = new PlazaClient(url, { logger: quiet, requestTimeoutMs: 60_000, ...(uploadChunkBytes ? { uploadChunkBytes } : {}) });
    const token = () => new AccessToken(credentials.apiKey, credentials.apiSecret, { identity: 'bench-uploader', ttl: '6h' }).toJwt();
    await client.connect(token);
    const conversation = await client.conversations.create({ kind: 'group', title: 'File bench' });
    const socket = await connectSocket(url, { token: await token(), protocolVersion: PROTOCOL_VERSION });
    return new PlazaSide(client, conversation, socket);
  }

  /**
   * Uploads `bytes` as `name` and resolves with the file id. The client-side SHA-256 is switched
   * off (the server still computes its own while streaming), so that both systems move the same
   * bytes with the same client work.
   */
  async upload(bytes: Uint8Array, name: string): Promise<string> {
    const handle = this.conversation.uploadFile(bytes, { name, sha256: false });
    const info = await handle.done;
    return info.fileId;
  }

  /** A fresh absolute signed URL for `fileId`. */
  url(fileId: string): Promise<string> {
    return this.client.files.url(fileId);
  }

  /**
   * Frees the disk space of `fileIds`: attaches them to messages (at most 10 each) and deletes
   * those messages, which deletes files no other message references.
   */
  async remove(fileIds: readonly string[]): Promise<void> {
    for (let i = 0; i < fileIds.length; i += 10) {
      const conversationId = this.conversation.id;
      const sent = await request<Ack<Message>>(this.#socket, 'message:send', { conversationId, clientId: `cleanup-${Date.now()}-${i}`, text: '', attachments: fileIds.slice(i, i + 10) });
      if (!sent.ok) throw new Error(`attaching files for deletion failed: ${JSON.stringify(sent.error)}`);
      const deleted = await request<Ack<Message>>(this.#socket, 'message:delete', { conversationId, messageId: sent.data.id });
      if (!deleted.ok) throw new Error(`deleting the message failed: ${JSON.stringify(deleted.error)}`);
    }
  }

  /** Disconnects. */
  close(): Promise<void> {
    this.#socket.close();
    return this.client.disconnect();
  }
}
