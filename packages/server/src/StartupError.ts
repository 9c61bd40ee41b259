/**
 * The server cannot start because of its environment (data directory, database file, lock, port):
 * `message` is one line that says what is wrong and which file or port it concerns. The CLI prints
 * it and exits with code 2.
 */
export class StartupError extends Error {
  /**
   * @param message - one line naming the problem and the file, directory or port
   * @param options - the underlying error, if any
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
