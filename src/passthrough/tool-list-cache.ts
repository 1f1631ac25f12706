/**
 * @module tool-list-cache: a passthrough session's tools/list answered without the backend, when the answer is known
 * to be current. Only for a backend that announces changes (it declared `tools.listChanged`): its list stays what it
 * was until it says otherwise. A shared backend's list is the catalog's (one connection, the same list for every
 * client); a connection of the session's own keeps its last complete answer, since a backend may list tools by its
 * client's capabilities. A list announced as changed, or read while a change was announced, is never served.
 */
import type { Result, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Connection } from '../backends/connection.js';
import type { BackendLink } from '../session/backend-link.js';

export interface ToolListSource {
  link: BackendLink;
  shared: boolean;
  /** The backend declared tools.listChanged. */
  announcesChanges: boolean;
  /** A shared backend's current list in the catalog. */
  catalog: () => Tool[] | undefined;
}

export class ToolListCache {
  private last: { connection: Connection; tools: Tool[] } | undefined = undefined;
  /** list_changed notifications seen on the session's own connections. */
  private changes = 0;
  private readonly watched = new WeakSet<Connection>();

  constructor(private readonly source: ToolListSource) {}

  /** The tools to answer with, or undefined: ask the backend. */
  lookup(): Tool[] | undefined {
    if (!this.source.announcesChanges) return undefined;
    if (this.source.shared) return this.source.catalog();
    const connection = this.source.link.current();
    return connection && this.last?.connection === connection ? this.last.tools : undefined;
  }

  /** The connection a tools/list goes to, watched for changes from before the request leaves. */
  async connection(): Promise<Connection> {
    const connection = await this.source.link.connection();
    if (!this.source.shared && !this.watched.has(connection)) {
      this.watched.add(connection);
      connection.observe((notification) => {
        if (notification.method !== 'notifications/tools/list_changed') return;
        this.changes++;
        if (this.last?.connection === connection) this.last = undefined;
      });
    }
    return connection;
  }

  /** Taken before asking: remember() judges the answer's freshness against it. */
  get changesSeen(): number {
    return this.changes;
  }

  /**
   * Keeps a complete answer from the session's own connection `connection` (the one `connection()` gave), unless a
   * change was announced since it was asked or the connection has ended.
   */
  remember(connection: Connection, result: Result, askedAfter: number): void {
    if (this.source.shared || !this.source.announcesChanges || connection !== this.source.link.current())
      return;
    if (askedAfter !== this.changes || result.nextCursor !== undefined || !Array.isArray(result.tools))
      return;
    this.last = { connection, tools: result.tools as Tool[] };
  }
}
