/** A place in a {@link SendSequencer}'s line. */
export interface SendTicket {
  /** Resolves when every earlier ticket has been released. */
  readonly ready: Promise<void>;
  /** Lets the next ticket go. Idempotent; call it on every path, failures included. */
  release(): void;
}

/**
 * Keeps one socket's sends in the order they arrived. Requests are handled concurrently, and
 * their checks take different numbers of database round trips (a reply checks `replyTo`, a
 * mention loads the members), so without this a later send could be stored first. A ticket is
 * taken when the request arrives and released right after its `appendMessage` call was queued,
 * so appends still pipeline into the same group commit.
 */
export class SendSequencer {
  #tail: Promise<void> = Promise.resolve();

  /** Takes the next place in line (synchronously, in arrival order). */
  enter(): SendTicket {
    let open!: () => void;
    const released = new Promise<void>((resolve) => {
      open = resolve;
    });
    const ready = this.#tail;
    this.#tail = released;
    let done = false;
    return {
      ready,
      release: () => {
        if (done) return;
        done = true;
        open();
      },
    };
  }
}
