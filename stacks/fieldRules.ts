/**
 * Shape checks of the config fields that end up verbatim in a resource (an image, a host, a
 * URL, a Kubernetes name), so a typo or pasted shell text fails in the schema with the
 * field's path instead of in the cluster. Pure; stacks/config.ts wires them into the schema.
 */
import { isIP } from "node:net";

/** Kubernetes DNS-1123 subdomain (ingressClassName, Gateway listener sectionName): at most 253 characters. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A host name as a cluster resolves it: one or more RFC 1123 labels ("redis", "mysql.mysql.svc"). */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The OCI distribution reference grammar (github.com/distribution/reference, regexp.go). */
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REPOSITORY = new RegExp(`^${NAME}$`);
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
/** The distribution spec's limit on a repository name. */
const MAX_NAME_LENGTH = 255;

/** Whitespace or control characters: WHATWG URL parsing silently drops tabs and newlines. */
const UNPRINTABLE = /[\s\p{Cc}]/u;

export function isDnsSubdomain(value: string): boolean {
  return DNS_SUBDOMAIN.test(value);
}

/** A host name (lowercase, not all-numeric) or an IPv4/IPv6 address. */
export function isHost(value: string): boolean {
  if (isIP(value) !== 0) return true;
  return HOST_NAME.test(value) && !/^[0-9.]+$/.test(value);
}

/** An OIDC issuer as IAM trust policies name it: a host and a path, no scheme (`oidc.eks.eu-west-3.amazonaws.com/id/ABC`). */
export function isOidcIssuer(value: string): boolean {
  const [hostPart = "", ...path] = value.split("/");
  return isHost(hostPart) && path.every((segment) => /^[A-Za-z0-9._~-]+$/.test(segment));
}

/** An image repository without tag or digest (`registry.example.com/team`), as images are `<repository>/<service>:<tag>`. */
export function isOciRepository(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && REPOSITORY.test(value);
}

/** A full image reference (`redis:7.4-alpine`, `registry.example.com/redis@sha256:...`). */
export function isOciReference(value: string): boolean {
  const match = REFERENCE.exec(value);
  return match !== null && match[1]!.length <= MAX_NAME_LENGTH;
}

/** The host of a parsed URL without IPv6 brackets, lowercased (non-special schemes keep case). */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

function parsedUrl(value: string): URL | undefined {
  if (UNPRINTABLE.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Why a value is not an http(s) URL of a service (undefined when it is one). Credentials are
 * refused: they belong in the credential fields, which are stored as secrets.
 */
export function httpUrlProblem(value: string): string | undefined {
  const url = parsedUrl(value);
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    return "must be an http:// or https:// URL";
  if (url.username || url.password) return "must not carry credentials (set them in the credential fields)";
  if (!isHost(hostOf(url))) return "must name a host name or IP address";
  return undefined;
}

/** Why a value is not an `amqp://` or `amqps://` URI (undefined when it is one). */
export function amqpUriProblem(value: string): string | undefined {
  const url = parsedUrl(value);
  if (!url || (url.protocol !== "amqp:" && url.protocol !== "amqps:"))
    return "must be an amqp:// or amqps:// URI";
  if (!isHost(hostOf(url))) return "must name a host name or IP address";
  return undefined;
}

/** IPv4 ranges no webhook may point at: this host, private, shared, loopback, link-local (cloud metadata), reserved. */
const INTERNAL_V4: readonly [number, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
].map(([a, bits]) => [ipv4Number(a as string), bits as number]);

function ipv4Number(address: string): number {
  return address.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

const inV4 = (address: number, [base, bits]: [number, number]): boolean =>
  Math.floor(address / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits));

/** Why an IP address is not a public one (undefined when it is). IPv4-mapped and NAT64 IPv6 are read as their IPv4. */
function internalAddressProblem(host: string): string | undefined {
  const family = isIP(host);
  if (family === 4)
    return INTERNAL_V4.some((range) => inV4(ipv4Number(host), range))
      ? `${host} is a private, loopback or link-local (cloud metadata) address, internal to the platform`
      : undefined;
  if (family !== 6) return undefined;
  const mapped = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(
    host,
  );
  if (mapped) {
    const v4 =
      mapped[1] ??
      [parseInt(mapped[2]!, 16), parseInt(mapped[3]!, 16)].flatMap((w) => [w >> 8, w & 255]).join(".");
    return internalAddressProblem(v4) ?? undefined;
  }
  if (/^(::1?|f[cd][0-9a-f]{0,2}:.*|fe[89ab][0-9a-f]?:.*|ff[0-9a-f]{0,2}:.*|::)$/i.test(host))
    return `${host} is a private, loopback or link-local address, internal to the platform`;
  return undefined;
}

/** Host names of the cloud metadata services and of internal zones. */
const INTERNAL_NAME = /(^|\.)(localhost|local|internal|localdomain|cluster\.local|svc)$|^metadata(\.|$)/;

/**
 * Why a value is not a webhook URL alerts may be sent to (undefined when it is one): https only
 * (no javascript:, data:, file: or plain http), no credentials in the URL, and a public host:
 * never a private, loopback or link-local address (169.254.169.254 is the cloud metadata
 * service) in any spelling, nor an internal or metadata host name.
 */
export function webhookUrlProblem(value: string): string | undefined {
  const url = parsedUrl(value);
  if (!url || url.protocol !== "https:") return "must be an https:// URL";
  if (url.username || url.password) return "must not carry credentials in the URL";
  const host = hostOf(url);
  if (!isHost(host)) return "must name a host name or IP address";
  const internal = internalAddressProblem(host);
  if (internal) return `must be a public host: ${internal}`;
  if (INTERNAL_NAME.test(host.replace(/\.$/, "")))
    return `must be a public host: ${host} is a loopback, internal or metadata host name`;
  return undefined;
}
