/**
 * The little of the Kubernetes API an erasure needs, as plain HTTPS REST (no client library):
 * a JSON request with the platform's credentials. Credentials come from a kubeconfig (its current
 * context: server, CA, a bearer token or a client certificate) or, inside the cluster, from the
 * pod's service account. A kubeconfig whose user runs a command (`exec`, e.g. `aws eks get-token`)
 * is refused: the service is given a token instead, never a command to run.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { parse } from "yaml";

export interface KubernetesCredentials {
  /** API server URL (https://..., or http:// for a local stand-in). */
  readonly server: string;
  /** PEM of the CA the server's certificate is checked against. Default the system CAs. */
  readonly ca?: string;
  readonly token?: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
}

export interface KubernetesResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface KubernetesApi {
  /** The server, for reports (no credentials). */
  readonly where: string;
  request(method: "GET" | "DELETE", path: string): Promise<KubernetesResponse>;
}

interface KubeconfigFile {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
  users?: {
    name: string;
    user: {
      token?: string;
      "client-certificate-data"?: string;
      "client-key-data"?: string;
      exec?: unknown;
    };
  }[];
}

const fromBase64 = (value: string | undefined) =>
  value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");

/** The current context's credentials of a kubeconfig (YAML text). */
export function credentialsFromKubeconfig(text: string): KubernetesCredentials {
  const config = parse(text) as KubeconfigFile;
  const contextName = config["current-context"];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`kubeconfig: no context named ${JSON.stringify(contextName)}`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context.user)?.user;
  if (!cluster?.server) throw new Error(`kubeconfig: cluster ${context.cluster} has no server`);
  if (!user) throw new Error(`kubeconfig: no user named ${context.user}`);
  if (user.exec !== undefined)
    throw new Error(
      "kubeconfig: exec credentials are not supported; give the eraser a token (KUBERNETES_TOKEN)",
    );
  if (!user.token && !user["client-certificate-data"])
    throw new Error(`kubeconfig: user ${context.user} has neither a token nor a client certificate`);
  const ca = fromBase64(cluster["certificate-authority-data"]);
  const cert = fromBase64(user["client-certificate-data"]);
  const key = fromBase64(user["client-key-data"]);
  return {
    server: cluster.server,
    ...(ca ? { ca } : {}),
    ...(user.token ? { token: user.token } : {}),
    ...(cert ? { clientCertificate: cert } : {}),
    ...(key ? { clientKey: key } : {}),
  };
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The pod's own service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token and CA). */
export function inClusterCredentials(env: NodeJS.ProcessEnv = process.env): KubernetesCredentials {
  const host = env["KUBERNETES_SERVICE_HOST"];
  const port = env["KUBERNETES_SERVICE_PORT"] ?? "443";
  if (!host) throw new Error("not inside a cluster: KUBERNETES_SERVICE_HOST is not set");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    token: readFileSync(`${SERVICE_ACCOUNT}/token`, "utf8").trim(),
    ca: readFileSync(`${SERVICE_ACCOUNT}/ca.crt`, "utf8"),
  };
}

/** A client speaking JSON to the API server with these credentials. */
export function kubernetesApi(credentials: KubernetesCredentials, timeoutMs = 30_000): KubernetesApi {
  const base = new URL(credentials.server);
  const send = base.protocol === "http:" ? httpRequest : httpsRequest;
  return {
    where: base.host,
    request: (method, path) =>
      new Promise<KubernetesResponse>((resolve, reject) => {
        const url = new URL(`${base.pathname.replace(/\/$/, "")}${path}`, base);
        const req = send(
          url,
          {
            method,
            timeout: timeoutMs,
            headers: {
              accept: "application/json",
              ...(credentials.token ? { authorization: `Bearer ${credentials.token}` } : {}),
            },
            ...(credentials.ca ? { ca: credentials.ca } : {}),
            ...(credentials.clientCertificate ? { cert: credentials.clientCertificate } : {}),
            ...(credentials.clientKey ? { key: credentials.clientKey } : {}),
          },
          (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              let body: unknown = text;
              try {
                body = text ? JSON.parse(text) : undefined;
              } catch {
                // Not JSON (a proxy's error page): kept as text for the error message.
              }
              resolve({ status: res.statusCode ?? 0, body });
            });
            res.on("error", reject);
          },
        );
        req.on("timeout", () => req.destroy(new Error(`Kubernetes API ${method} ${path}: timed out`)));
        req.on("error", reject);
        req.end();
      }),
  };
}
