import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";

/** Where the sweep puts due connections for the checker: one message body per connection. */
export interface CheckQueue {
  send(bodies: string[]): Promise<void>;
}

/** SendMessageBatch takes 1-10 entries. */
const BATCH = 10;
const ATTEMPTS = 3;

export class QueueSendError extends Error {}

/**
 * SQS adapter: `SendMessageBatch` in SQS's JSON protocol, signed with SigV4 by the SDK's own
 * signer and credential chain (the AWS SDK's SQS client is not among the project's packages; this
 * is the one call the sweep needs). Refused entries are sent again, a bounded number of times.
 * `endpoint` defaults to `AWS_ENDPOINT_URL_SQS`, else the region's.
 */
export function createSqsQueue(opts: { queueUrl: string; region: string; endpoint?: string; timeoutMs?: number }): CheckQueue {
  const endpoint = new URL(opts.endpoint ?? process.env.AWS_ENDPOINT_URL_SQS ?? `https://sqs.${opts.region}.amazonaws.com/`);
  const signer = new SignatureV4({ service: "sqs", region: opts.region, credentials: defaultProvider(), sha256: Sha256 });

  async function sendBatch(entries: { Id: string; MessageBody: string }[]): Promise<{ Id: string }[]> {
    const body = JSON.stringify({ QueueUrl: opts.queueUrl, Entries: entries });
    const request = await signer.sign({
      method: "POST",
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: endpoint.pathname,
      query: {},
      headers: { host: endpoint.host, "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.SendMessageBatch" },
      body,
    });
    const response = await fetch(endpoint, {
      method: "POST",
      headers: request.headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
    });
    const answer = (await response.json().catch(() => ({}))) as { Failed?: { Id: string }[]; __type?: string };
    if (!response.ok) throw new QueueSendError(`SQS refused SendMessageBatch (HTTP ${response.status} ${answer.__type ?? ""})`.trim());
    return answer.Failed ?? [];
  }

  return {
    async send(bodies) {
      for (let i = 0; i < bodies.length; i += BATCH) {
        let pending = bodies.slice(i, i + BATCH).map((MessageBody, n) => ({ Id: String(n), MessageBody }));
        for (let attempt = 1; pending.length > 0; attempt++) {
          if (attempt > ATTEMPTS) throw new QueueSendError(`${pending.length} message(s) not queued after ${ATTEMPTS} tries`);
          const failed = new Set((await sendBatch(pending)).map((f) => f.Id));
          pending = pending.filter((entry) => failed.has(entry.Id));
        }
      }
    },
  };
}
