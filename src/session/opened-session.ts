/**
 * @module opened-session: what an endpoint builds for a new client session, whatever carries it (HTTP today): the
 * SDK Server that answers it, the direct lane its single requests may take past that Server, and its release.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { DirectLane } from './direct-lane.js';

export interface OpenedSession {
  server: Server;
  /** Takes the session's single requests past the Server (see direct-lane.ts). */
  direct?: DirectLane;
  /** The backend session it holds (Streamable HTTP), for a replica to continue it; opaque JSON. */
  backendSession?(): unknown;
  /** Releases what the session holds (backend connections); called once when the session ends. */
  close(): Promise<void>;
}
