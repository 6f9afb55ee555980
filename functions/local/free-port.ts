import { createServer } from "node:net";

/** A loopback port that was free a moment ago (the OS picks it; the caller binds it next). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** True when `port` on 127.0.0.1 can be bound right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" || error.code === "EACCES" ? done(false) : fail(error)));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/** A port a local process needs, and the variable that sets it. */
export interface NamedPort {
  variable: string;
  port: number;
}

export class PortBusyError extends Error {
  constructor(busy: NamedPort, suggestion: number | undefined, command: string) {
    const hint = suggestion ? ` (e.g. ${busy.variable}=${suggestion} ${command})` : "";
    super(`Port ${busy.port} on 127.0.0.1 is already in use (another npm start?): set ${busy.variable} to a free port${hint}.`);
  }
}

/**
 * Fails with one line naming the variable to change when one of `ports` is taken; checked before
 * anything starts, so a busy port costs no engine start. Port 0 (any free port) is never busy.
 */
export async function checkPortsFree(ports: NamedPort[], command: string): Promise<void> {
  for (const wanted of ports) {
    if (wanted.port === 0 || (await portIsFree(wanted.port))) continue;
    const taken = new Set(ports.map((p) => p.port));
    let suggestion: number | undefined;
    for (let port = wanted.port + 1; port <= Math.min(65535, wanted.port + 20) && !suggestion; port++) {
      if (!taken.has(port) && (await portIsFree(port))) suggestion = port;
    }
    throw new PortBusyError(wanted, suggestion, command);
  }
}
