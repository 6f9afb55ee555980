import type { Api, AppConnection } from "./api";
import type { checks } from "./fields";
import type { Session } from "./session";
import type { ConnectionsTable } from "./table";

/** What the panels and dialogs share with the page. */
export interface ConsoleContext {
  api: Api;
  session(): Session;
  /** The project id of the current scope, or null for "Organization". */
  scope(): string | null;
  table: ConnectionsTable;
  /** Reloads the list; `highlightId` marks a row as new and shows its page. */
  reload(highlightId?: string): Promise<void>;
  /**
   * Remembers what this page just wrote (a connection, or the id of one it deleted), so a list
   * read from an eventually consistent index cannot show it older than the page already knows.
   */
  wrote(change: AppConnection | { deletedId: string }): void;
  checks: ReturnType<typeof checks>;
}
