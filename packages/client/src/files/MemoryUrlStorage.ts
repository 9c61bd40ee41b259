import type { PreviousUpload, UrlStorage } from 'tus-js-client';

/**
 * Where tus-js-client remembers unfinished uploads by fingerprint, in memory: used in Node, where
 * tus-js-client would otherwise remember nothing. Browsers keep tus-js-client's `localStorage`
 * store, which also survives a page reload.
 *
 * @internal
 */
export class MemoryUrlStorage implements UrlStorage {
  readonly #entries = new Map<string, PreviousUpload>();
  #next = 0;

  findAllUploads(): Promise<PreviousUpload[]> {
    return Promise.resolve([...this.#entries.values()].map((u) => ({ ...u })));
  }

  findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    const prefix = `tus::${fingerprint}::`;
    return Promise.resolve([...this.#entries.entries()].filter(([key]) => key.startsWith(prefix)).map(([, u]) => ({ ...u })));
  }

  removeUpload(urlStorageKey: string): Promise<void> {
    this.#entries.delete(urlStorageKey);
    return Promise.resolve();
  }

  addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    const key = `tus::${fingerprint}::${++this.#next}`;
    this.#entries.set(key, { ...upload, urlStorageKey: key });
    return Promise.resolve(key);
  }
}
