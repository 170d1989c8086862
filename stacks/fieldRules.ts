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
