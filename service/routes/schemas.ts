/** JSON schemas the routes share: errors, operations, path parameters, the idempotency header. */
import { OPERATION_KINDS } from "../operations";

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

export const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["outcome", "message"],
      properties: {
        outcome: { type: "string" },
        message: { type: "string" },
        details: { type: "object", additionalProperties: true },
      },
    },
  },
} as const;

export const operationSchema = {
  type: "object",
  additionalProperties: true,
  properties: {
    id: { type: "string" },
    tenantId: { type: "string" },
    kind: { type: "string", enum: [...OPERATION_KINDS] },
    status: { type: "string", enum: ["queued", "running", "succeeded", "failed"] },
  },
} as const;

export const tenantParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", maxLength: 63 } },
} as const;

export const idempotencyHeader = {
  type: "object",
  properties: { "idempotency-key": { type: "string", pattern: IDEMPOTENCY_KEY.source } },
} as const;

/** The answer of a route that stores an operation. */
export const accepted = {
  202: { type: "object", properties: { operation: operationSchema } },
  "4xx": errorSchema,
} as const;
