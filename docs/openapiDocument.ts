/**
 * docs/openapi.json: the provisioning service's OpenAPI document, as the running service serves
 * it at /openapi.json (@fastify/swagger over the routes' JSON schemas, the tenant request's from
 * the stack config's valibot schema). Built from an app that is never started: no store is opened.
 */
import pino from "pino";
import { buildHttpApp, type Dispatcher } from "../service/http";
import { Metrics } from "../service/metrics";
import type { OperationStore } from "../service/operations";
import { SecretBox } from "../service/secrets";

export async function openApiDocument(): Promise<string> {
  const app = await buildHttpApp({
    // Routes are only registered, never called: nothing here is reached.
    store: {} as OperationStore,
    dispatcher: {} as Dispatcher,
    token: "document-only-token",
    metrics: new Metrics(),
    log: pino({ level: "silent" }),
    secrets: new SecretBox(Buffer.alloc(32)),
  });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
