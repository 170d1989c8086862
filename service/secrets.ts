/**
 * The service key and what derives from it: the credentials of a request sealed (AES-256-GCM)
 * before it is stored and opened only by the worker that runs it, the keyed digest that tells an
 * idempotent replay from a misuse (a bare hash of a request would let anyone reading the store
 * test password guesses), and the applied-config tag key every worker shares (a repeated request
 * is "unchanged" whichever worker runs it). Which fields are sealed: the schema's secret mark
 * (automation/secretFields.ts).
 *
 * Sealed formats (a stored operation keeps the one it was sealed with; both open):
 * - `sealed:v2:` (written now): one seal per payload. The first secret field holds
 *   `sealed:v2:0:<base64 iv|tag|ciphertext>` of the JSON array of every secret of the payload;
 *   the i-th holds `sealed:v2:<i>`. One cipher per request instead of one per field.
 * - `sealed:v1:<base64 iv|tag|ciphertext>` (written before): one seal per field.
 *
 * The key: SERVICE_SECRET_KEY (32 bytes, base64 or hex), required with a broker (every process
 * must share it); embedded, `<SERVICE_DATA_DIR>/service.key`, made on first start (mode 0600).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { mapSecrets, secretValues } from "../automation/secretFields";
import { requestCanonical, type NewOperation } from "./operations";

const SEALED_V1 = "sealed:v1:";
const SEALED_V2 = "sealed:v2:";
/** The field of a v2 payload holding the sealed bundle. */
const BUNDLE = `${SEALED_V2}0:`;

const isSealed = (value: string) => value.startsWith(SEALED_V1) || value.startsWith(SEALED_V2);

/** A sealed value this key cannot open (another service key, or tampered with). */
export class UnreadableSecretError extends Error {
  readonly outcome = "unreadable-secret";
}

const unreadable = () =>
  new UnreadableSecretError(
    "a credential of this operation was sealed with another SERVICE_SECRET_KEY: send the request again",
  );

/** Parses a 32-byte key given as base64 or hex; throws naming `what` otherwise. */
export function parseKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32) throw new Error(`${what} must be 32 bytes, base64 or hex (openssl rand -base64 32)`);
  return key;
}

export class SecretBox {
  /** A KeyObject, made once: a cipher made from one skips importing the raw key every time. */
  private readonly sealKey: KeyObject;
  private readonly digestKey: Buffer;
  /** The applied-config tag's HMAC key (automation/requestConfig.ts appliedConfigTag). */
  readonly appliedConfigKey: string;

  constructor(key: Buffer) {
    const derive = (label: string) => createHmac("sha256", key).update(label).digest();
    this.sealKey = createSecretKey(derive("tenant-service/seal"));
    this.digestKey = derive("tenant-service/request-digest");
    this.appliedConfigKey = derive("tenant-service/applied-config").toString("hex");
  }

  /** The key file of an embedded service, created (0600, directory 0700) when missing. */
  static fromFile(path: string): SecretBox {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    }
    chmodSync(path, 0o600);
    return new SecretBox(parseKey(readFileSync(path, "utf8"), path));
  }

  /** Random bytes drawn in blocks: one system call per 340 IVs rather than one per sealed field. */
  private ivPool = Buffer.alloc(0);

  private nextIv(): Buffer {
    if (this.ivPool.length < 12) this.ivPool = randomBytes(12 * 340);
    const iv = this.ivPool.subarray(0, 12);
    this.ivPool = this.ivPool.subarray(12);
    return iv;
  }

  /** iv | tag | ciphertext of `plain`, base64. */
  private sealText(plain: string): string {
    const iv = this.nextIv();
    const cipher = createCipheriv("aes-256-gcm", this.sealKey, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  private openText(sealed: string): string {
    const raw = Buffer.from(sealed, "base64");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      throw unreadable();
    }
  }

  /**
   * The payload with every secret field sealed, all in one seal (v2). Values sealed already are
   * kept as they are (sealing is idempotent); a plain value beside an existing v2 bundle is
   * sealed alone (v1), so a payload never holds two bundles.
   */
  seal<T>(payload: T): T {
    const secrets = secretValues(payload);
    const plain = secrets.filter((s) => !isSealed(s));
    if (plain.length === 0) return payload;
    if (secrets.some((s) => s.startsWith(SEALED_V2)))
      return mapSecrets(payload, (s) => (isSealed(s) ? s : `${SEALED_V1}${this.sealText(s)}`));
    const bundle = this.sealText(JSON.stringify(plain));
    let next = 0;
    return mapSecrets(payload, (s) => {
      if (isSealed(s)) return s;
      const index = next++;
      return index === 0 ? `${BUNDLE}${bundle}` : `${SEALED_V2}${index}`;
    });
  }

  /** The payload with every sealed field opened (for the worker that runs it; never stored). */
  open<T>(payload: T): T {
    let opened: readonly unknown[] | undefined;
    const bundle = () => {
      if (opened) return opened;
      const sealed = secretValues(payload).find((s) => s.startsWith(BUNDLE));
      if (sealed === undefined) throw unreadable();
      const values: unknown = JSON.parse(this.openText(sealed.slice(BUNDLE.length)));
      if (!Array.isArray(values)) throw unreadable();
      return (opened = values);
    };
    return mapSecrets(payload, (s) => {
      if (s.startsWith(SEALED_V1)) return this.openText(s.slice(SEALED_V1.length));
      if (!s.startsWith(SEALED_V2)) return s;
      const index = s.startsWith(BUNDLE) ? 0 : Number(s.slice(SEALED_V2.length));
      const value = Number.isInteger(index) ? bundle()[index] : undefined;
      if (typeof value !== "string") throw unreadable();
      return value;
    });
  }

  /** The idempotency digest of a request (plain credentials in, a keyed digest out). */
  digest(request: NewOperation): string {
    return createHmac("sha256", this.digestKey).update(requestCanonical(request)).digest("hex");
  }
}
