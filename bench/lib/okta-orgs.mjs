// The health benchmark's fake Okta orgs, in a process of their own (as Okta is remote): the
// measured process's event loop neither serves them nor delays when they see a request, and their
// memory is not the checker's. Started by bench/lib/features.ts over IPC:
//   { start: { count, token } } -> { origins: [...] };  "report" -> { states: [...] };
//   "quiet" -> { waitedMs } once no org's Retry-After window is open
// Each org answers GET /api/v1/users/me with 200 for `SSWS <token>`. One org in ten answers one
// request in 100 with 429 and `Retry-After: 1`, and notes every request that arrives inside that
// window: when it was handled, and the earliest it can have arrived.
import http from "node:http";

// The turn of the event loop before the one that handles a request bounds when it arrived (what
// had arrived by then was handled then): on a busy machine this process may not run for tens of
// milliseconds, and a request stamped late may have arrived early.
let previousTurn = 0;
let lastTurn = Date.now();
setInterval(() => {
  previousTurn = lastTurn;
  lastTurn = Date.now();
}, 2).unref();

const OK = '{"id":"00u1fakeuser","status":"ACTIVE","profile":{"login":"admin@example.com"}}';
const REFUSED = '{"errorCode":"E0000011","errorSummary":"Invalid token provided"}';
const THROTTLED = '{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}';

async function startOrg(token, throttled) {
  const state = { requests: 0, refusals: 0, closedFrom: 0, closedUntil: 0, inWindow: [] };
  const server = http.createServer((req, res) => {
    const at = Date.now();
    state.requests++;
    // Judged by the benchmark against when the client read the 429 (features.ts).
    if (at > state.closedFrom && at < state.closedUntil) state.inWindow.push({ from: state.closedFrom, at, arrivedAfter: previousTurn });
    req.resume();
    if (throttled && state.requests % 100 === 10) {
      state.refusals++;
      res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "1" });
      res.end(THROTTLED);
      state.closedFrom = Date.now();
      state.closedUntil = state.closedFrom + 1000;
      return;
    }
    const ok = req.headers.authorization === `SSWS ${token}`;
    res.writeHead(ok ? 200 : 401, { "Content-Type": "application/json" });
    res.end(ok ? OK : REFUSED);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, state };
}

let orgs = [];
process.on("message", async (message) => {
  if (message === "report") return process.send({ states: orgs.map((o) => o.state) });
  // Answers once no org is inside a window: a new client cannot know of a 429 another one was sent.
  if (message === "quiet") {
    const wait = Math.max(0, ...orgs.map((o) => o.state.closedUntil - Date.now()));
    return void setTimeout(() => process.send({ waitedMs: wait }), wait);
  }
  if (message.start) {
    const { count, token } = message.start;
    orgs = await Promise.all(Array.from({ length: count }, (_, k) => startOrg(token, k % 10 === 0)));
    process.send({ origins: orgs.map((o) => o.origin) });
  }
});
process.on("disconnect", () => process.exit(0));
