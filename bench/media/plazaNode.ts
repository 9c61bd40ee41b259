import type { NodeClientConfig, NodeSide } from './nodeSide.js';

/** Plaza through the real client in Node (filled in once the client's calls API exists). */
export function plazaSide(config: NodeClientConfig): NodeSide {
  throw new Error(`the Plaza side of the CPU run is not written yet (${config.url})`);
}
