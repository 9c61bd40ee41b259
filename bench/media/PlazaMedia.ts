import { ServerProcess } from '../lib/ServerProcess.js';
import type { JoinSide } from './joinRun.js';
import type { PlazaNodeConfig } from './nodeSide.js';

/** Options of {@link PlazaMedia.start}. */
export interface PlazaMediaOptions {
  root: string;
  work: string;
  /** Largest number of Node subscribers (one user each). */
  subscribers: number;
  /** Number of browser joins (one fresh token each). */
  joins: number;
  log: (line: string) => void;
}

/** The Plaza side of `bench:media`: a real plaza-server, its users, tokens and conversation. */
export class PlazaMedia {
  readonly server: ServerProcess;

  private constructor(server: ServerProcess) {
    this.server = server;
  }

  /** Starts plaza-server and prepares the call's conversation (not written yet). */
  static async start(options: PlazaMediaOptions): Promise<PlazaMedia> {
    throw new Error(`the Plaza side of bench:media is not written yet (run with --bare-only); ${options.root}`);
  }

  /** Page files for the static server. */
  async pageFiles(tsconfig: string): Promise<Record<string, [string, string | Buffer]>> {
    throw new Error(`not written yet ${tsconfig}`);
  }

  /** The Plaza pages for the join run. */
  joinSide(): JoinSide {
    throw new Error('not written yet');
  }

  /** Tokens and conversation for the Node clients. */
  nodeConfig(): PlazaNodeConfig {
    throw new Error('not written yet');
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.server.stop();
  }
}
