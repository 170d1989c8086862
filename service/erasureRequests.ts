/**
 * An erasure before the retention window ends (a GDPR request), in two steps: the request (a
 * deprovisioned tenant only, with the request's reference) returns a one-time confirmation code;
 * the confirmation, with that code within 24 hours, submits the purge that erases the tenant
 * (`early`: the window is not waited for). Only the hash of the code is stored. An active tenant
 * is never erased at once: it is deprovisioned first (its storefront goes offline, the final
 * backup is taken), so a mistaken request still leaves a tenant that can be restored until the
 * confirmation.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ERASURE_CONFIRMATION_HOURS, LifecycleRefusedError, type ErasureRequest } from "./lifecycle";

const hash = (code: string) => createHash("sha256").update(code).digest("hex");

export const REFERENCE_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

/** A new request at `now`, and the code to show the requester once. */
export function newErasureRequest(reference: string, now: number): { request: ErasureRequest; code: string } {
  if (!REFERENCE_PATTERN.test(reference))
    throw new LifecycleRefusedError(
      "invalid",
      "reference must be 1-100 letters, digits, '.', '_', ':' or '-'",
    );
  const code = randomBytes(16).toString("base64url");
  return {
    code,
    request: {
      reference,
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ERASURE_CONFIRMATION_HOURS * 3_600_000).toISOString(),
      codeHash: hash(code),
    },
  };
}

/** Throws unless `code` confirms `request` at `now`. */
export function checkConfirmation(
  request: ErasureRequest | undefined,
  code: string,
  now: number,
): ErasureRequest {
  if (!request) throw new LifecycleRefusedError("conflict", "no erasure request is waiting for confirmation");
  if (Date.parse(request.expiresAt) <= now)
    throw new LifecycleRefusedError(
      "conflict",
      `the erasure request expired at ${request.expiresAt}: ask again`,
    );
  const given = Buffer.from(hash(code), "hex");
  if (!timingSafeEqual(given, Buffer.from(request.codeHash, "hex")))
    throw new LifecycleRefusedError("invalid", "the confirmation code does not match the request");
  return request;
}
