/**
 * How the HTTP API answers what went wrong: a typed refusal (HttpError), a request that fails its
 * schema (400 naming each field in the config's own notation), a store that cannot be reached now
 * (503 with Retry-After), anything else a 500 that says nothing of the internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { OperationError } from "./operations";
import { LifecycleRefusedError } from "./lifecycle";
import { HTTP_STATUS } from "./outcomes";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OperationError,
  ) {
    super(body.message);
  }
}

/** A refusal with the status its outcome maps to (service/outcomes.ts). */
export const refuse = (outcome: string, message: string, details?: Record<string, unknown>) =>
  new HttpError(HTTP_STATUS[outcome] ?? 400, { outcome, message, ...(details ? { details } : {}) });

/** A store error that means "unreachable right now" (the client should retry), not a bug. */
function unavailable(error: unknown): boolean {
  const e = error as { code?: unknown; fatal?: unknown; outcome?: unknown };
  return (
    e.outcome === "unavailable" ||
    e.fatal === true ||
    (typeof e.code === "string" &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|PROTOCOL_CONNECTION_LOST|ER_CON_COUNT_ERROR|ER_SERVER_SHUTDOWN|ER_CONNECTION_KILLED)$/.test(
        e.code,
      ))
  );
}

/** An ajv error's field in the config's own notation ("sites[1].customDomains", "images.tag"). */
function validationField(
  context: string | undefined,
  instancePath: string,
  params: Record<string, unknown>,
): string {
  const named = params["additionalProperty"] ?? params["missingProperty"];
  const parts = [...instancePath.split("/").filter(Boolean), ...(typeof named === "string" ? [named] : [])];
  const path = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
  return context && context !== "body" ? `${context}${path ? `.${path}` : ""}` : path || "(body)";
}

function invalidRequest(error: FastifyError, reply: FastifyReply) {
  const problems = (error.validation ?? []).map((v) => ({
    field: validationField(error.validationContext, v.instancePath, v.params),
    message: v.message ?? "is invalid",
  }));
  return reply.code(400).send({
    error: {
      outcome: "invalid",
      message: problems.map((p) => `${p.field}: ${p.message}`).join("; "),
      details: { problems },
    },
  });
}

/** The API's error handler. */
export function answerError(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) return reply.code(error.status).send({ error: error.body });
  if (error instanceof LifecycleRefusedError)
    return reply
      .code(HTTP_STATUS[error.outcome] ?? 409)
      .send({ error: { outcome: error.outcome, message: error.message } });
  if (error.validation) return invalidRequest(error, reply);
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return reply.code(413).send({ error: { outcome: "payload-too-large", message: error.message } });
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
    return reply.code(415).send({ error: { outcome: "unsupported-media-type", message: error.message } });
  if (error.statusCode && error.statusCode < 500)
    return reply.code(error.statusCode).send({ error: { outcome: "invalid", message: error.message } });
  if (unavailable(error)) {
    request.log.warn({ err: error.message }, "store unavailable");
    return reply
      .code(503)
      .header("retry-after", "5")
      .send({
        error: { outcome: "unavailable", message: "the operation store is unreachable; retry later" },
      });
  }
  request.log.error({ err: error }, "request failed");
  return reply.code(500).send({ error: { outcome: "error", message: "internal error" } });
}
