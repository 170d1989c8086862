/**
 * Origin lockdown (issue 22, item 7): what the gateway is given refuses every connection that
 * does not come through the edge. The platform synth's ClientTrafficPolicy is a valid Envoy
 * Gateway object requiring a client certificate of the platform's origin-pull CA; a real TLS
 * server configured from it (Node's TLS, the policy's CA and `optional`) refuses a client without
 * a certificate and one with a certificate of another CA (as Cloudflare's shared origin-pull
 * certificate would be), and serves the edge's; the trusted-client header reaching the gateway is
 * therefore the edge's, which removes a forged one. The pack refuses a platform or tenant that
 * turns any of it off.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { ClientTrafficPolicy } from "@kubernetes-models/envoy-gateway/gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeRulesets } from "../components/edge/edgeRules";
import type { KubeObject } from "../policy/analysis/objects";
import { offlinePem } from "../synth/computedAttributes";
import { SECRET_PLACEHOLDER, type SynthResult } from "../synth/engine";
import { OFFLINE_ORIGIN_PULL_CLIENT, offlinePlatformStack } from "../synth/platformStandIn";
import {
  ORIGIN_PULL_CA_OUTPUT,
  ORIGIN_PULL_CLIENT_OUTPUT,
  parseOriginPullCa,
  parseOriginPullClient,
} from "../stacks/platformFacts";
import { kubernetesObjects } from "../synth/manifests";
import { checkPolicies } from "../synth/policyCheck";
import { synthPlatform } from "../synth/programs";
import { ORIGIN_PULL, originLockdownSpec, TIERS, TRUSTED_CLIENT_HEADER } from "../tiers";
import { synthShape, tenantConfig } from "./helpers/synth";

const dir = mkdtempSync(join(tmpdir(), "origin-lockdown-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let platform: SynthResult;
let policy: KubeObject;
beforeAll(async () => {
  platform = await synthPlatform("eu-west-3");
  policy = kubernetesObjects(platform).find(
    (o) => o.kind === "ClientTrafficPolicy" && o.metadata?.name === "platform-gateway-origin-lockdown",
  )!;
}, 120_000);

/** A CA and a client certificate it signs, with openssl (the edge's, or another issuer's). */
function issuer(name: string): { ca: string; cert: string; key: string } {
  const path = (f: string) => join(dir, `${name}-${f}`);
  const run = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${name} CA`,
    "-keyout",
    path("ca.key"),
    "-out",
    path("ca.crt"),
  );
  run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${name} client`,
    "-keyout",
    path("client.key"),
    "-out",
    path("client.csr"),
  );
  run(
    "x509",
    "-req",
    "-in",
    path("client.csr"),
    "-CA",
    path("ca.crt"),
    "-CAkey",
    path("ca.key"),
    "-CAcreateserial",
    "-days",
    "1",
    "-out",
    path("client.crt"),
  );
  return {
    ca: readFileSync(path("ca.crt"), "utf8"),
    cert: readFileSync(path("client.crt"), "utf8"),
    key: readFileSync(path("client.key"), "utf8"),
  };
}

/**
 * A TLS server configured as Envoy is from the policy: the CA of the Secret it names (given here,
 * as the operator would put it in ORIGIN_PULL.caSecret), and a client certificate required unless
 * `optional`. Answers whether a client presenting `client` completes a request.
 */
async function gatewayServes(
  spec: unknown,
  secrets: Record<string, string>,
  client?: { cert: string; key: string },
) {
  const validation = (
    spec as { tls: { clientValidation: { caCertificateRefs: { name: string }[]; optional: boolean } } }
  ).tls.clientValidation;
  const server = issuer(`server-${Math.random().toString(36).slice(2, 8)}`);
  const gateway = tls.createServer(
    {
      key: server.key,
      cert: server.cert,
      ca: validation.caCertificateRefs.map((ref) => secrets[ref.name]!),
      requestCert: true,
      rejectUnauthorized: !validation.optional,
    },
    (socket) => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"),
  );
  gateway.listen(0, "127.0.0.1");
  await once(gateway, "listening");
  const port = (gateway.address() as { port: number }).port;
  try {
    return await new Promise<boolean>((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...client });
      let answer = "";
      socket.on("data", (d: Buffer) => (answer += d.toString()));
      socket.on("end", () => resolve(answer.startsWith("HTTP/1.1 200")));
      socket.on("error", () => resolve(false));
      socket.on("secureConnect", () => socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
    });
  } finally {
    gateway.close();
  }
}

describe("the gateway's origin lockdown", () => {
  it("is a valid ClientTrafficPolicy on the whole platform Gateway, certificate required", () => {
    expect(() => new ClientTrafficPolicy(policy as never).validate()).not.toThrow();
    expect(policy.metadata?.namespace).toBe("gateway-system");
    expect(policy["spec"]).toEqual({
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "platform-gateway" }],
      ...originLockdownSpec(),
    });
  });

  it("refuses a client without the edge's certificate or with another issuer's, serves the edge", async () => {
    const edge = issuer("platform-origin-pull");
    const cloudflareShared = issuer("other-origin-pull");
    const secrets = { [ORIGIN_PULL.caSecret]: edge.ca };
    const spec = policy["spec"];
    expect(await gatewayServes(spec, secrets)).toBe(false);
    expect(await gatewayServes(spec, secrets, cloudflareShared)).toBe(false);
    expect(await gatewayServes(spec, secrets, edge)).toBe(true);
    // The same server with the certificate made optional would serve anyone: the pack refuses that (below).
    const optional = {
      ...originLockdownSpec(),
      tls: { clientValidation: { ...originLockdownSpec().tls.clientValidation, optional: true } },
    };
    expect(await gatewayServes(optional, secrets)).toBe(true);
  }, 60_000);

  it("lets the trusted-client header through only as the edge set it: removed from every request first", () => {
    const [transform] = edgeRulesets({
      tier: TIERS.business,
      hostnames: ["acme.shops.collect-verything.com"],
      trustedCidrs: ["203.0.113.0/24"],
    }).filter((r) => r.phase === "http_request_late_transform");
    expect(transform!.rules[0]).toMatchObject({
      expression: "true",
      actionParameters: { headers: { [TRUSTED_CLIENT_HEADER]: { operation: "remove" } } },
    });
  });
});

describe("the pack refuses turning it off", () => {
  const messages = async (result: SynthResult, config?: Parameters<typeof checkPolicies>[1]) =>
    (await checkPolicies(result, config)).violations.map((v) => `${v.policy}: ${v.message}`);
  const withObject = (
    result: SynthResult,
    name: string,
    change: (o: KubeObject) => KubeObject | undefined,
  ) => ({
    ...result,
    resources: result.resources.flatMap((r) => {
      const o = r.inputs as KubeObject;
      if (o.kind !== "ClientTrafficPolicy" || o.metadata?.name !== name) return [r];
      const changed = change(o);
      return changed ? [{ ...r, inputs: changed as unknown as Record<string, unknown> }] : [];
    }),
  });

  it("a platform without the Gateway's policy, or with the certificate optional", async () => {
    expect(await messages(platform)).toEqual([]);
    expect(await messages(withObject(platform, "platform-gateway-origin-lockdown", () => undefined))).toEqual(
      [
        expect.stringMatching(
          /^origin-lockdown-present: Gateway gateway-system\/platform-gateway .*has no Gateway-wide ClientTrafficPolicy/,
        ),
      ],
    );
    const optional = withObject(platform, "platform-gateway-origin-lockdown", (o) => ({
      ...o,
      spec: {
        ...(o["spec"] as object),
        tls: { clientValidation: { ...originLockdownSpec().tls.clientValidation, optional: true } },
      },
    }));
    expect(await messages(optional)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/origin-locked-to-edge: .*makes the client certificate optional/),
      ]),
    );
  });

  it("a tenant that turns Authenticated Origin Pulls off, or drops them", async () => {
    const { result } = await synthShape("premium", 1, "acme");
    const config = tenantConfig("acme", "premium", 1);
    const aop = "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings";
    expect(result.resources.filter((r) => r.type === aop).map((r) => r.inputs)).toEqual([
      { zoneId: "1123456789abcdef0123456789abcdef", enabled: true },
    ]);
    const off = {
      ...result,
      resources: result.resources.map((r) =>
        r.type === aop ? { ...r, inputs: { ...r.inputs, enabled: false } } : r,
      ),
    };
    expect(await messages(off, config)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^origin-locked-to-edge: .*turns Authenticated Origin Pulls off/),
        expect.stringMatching(
          /^origin-lockdown-present: zone 1123456789abcdef0123456789abcdef serves the tenant without/,
        ),
      ]),
    );
    const dropped = { ...result, resources: result.resources.filter((r) => r.type !== aop) };
    expect(await messages(dropped, config)).toEqual([
      expect.stringMatching(/^origin-lockdown-present: zone 1123456789abcdef0123456789abcdef/),
    ]);
  }, 60_000);
});

describe("one origin-pull PKI, from the platform to every gateway and every zone", () => {
  const TLS = "tls:index/";
  const caSecretOf = (result: SynthResult) =>
    kubernetesObjects(result).find((o) => o.kind === "Secret" && o.metadata?.name === ORIGIN_PULL.caSecret);

  it("the primary region makes it: the CA's certificate in the gateway's Secret, the client exported as a secret", () => {
    const types = platform.resources.filter((r) => r.type.startsWith(TLS)).map((r) => `${r.type} ${r.name}`);
    expect(types.sort()).toEqual([
      "tls:index/certRequest:CertRequest origin-pull-client",
      "tls:index/locallySignedCert:LocallySignedCert origin-pull-client",
      "tls:index/privateKey:PrivateKey origin-pull-ca",
      "tls:index/privateKey:PrivateKey origin-pull-client",
      "tls:index/selfSignedCert:SelfSignedCert origin-pull-ca",
    ]);
    const client = platform.resources.find((r) => r.type.endsWith(":LocallySignedCert"))!;
    expect(client.inputs["allowedUses"]).toEqual(["digital_signature", "client_auth"]);
    // The gateway gets the CA's certificate only (never a key: the value is the exported one, the
    // Kubernetes SDK marks a Secret's data secret), and its policy waits for it.
    expect(
      Object.keys((caSecretOf(platform) as { stringData?: object } | undefined)?.stringData ?? {}),
    ).toEqual(["ca.crt"]);
    const lockdown = platform.resources.find((r) => r.name === "envoy-gateway-origin-lockdown")!;
    const secretUrn = platform.resources.find((r) => r.name === "envoy-gateway-origin-pull-ca")!.urn;
    expect(lockdown.dependsOn).toContain(secretUrn);
    expect(platform.outputs[ORIGIN_PULL_CA_OUTPUT]).toBe(offlinePem("CERTIFICATE", "origin-pull-ca"));
    expect(platform.outputs[ORIGIN_PULL_CLIENT_OUTPUT]).toBe(SECRET_PLACEHOLDER);
  });

  it("another region trusts the same CA, read from the primary's stack, and makes none of its own", async () => {
    const other = await synthPlatform("us-east-1");
    expect(other.resources.filter((r) => r.type.startsWith(TLS))).toEqual([]);
    expect(Object.keys((caSecretOf(other) as { stringData?: object } | undefined)?.stringData ?? {})).toEqual(
      ["ca.crt"],
    );
    expect(other.outputs[ORIGIN_PULL_CA_OUTPUT]).toBe(platform.outputs[ORIGIN_PULL_CA_OUTPUT]);
    // The offline stand-in tenants read is what the primary's synth makes.
    const standIn = offlinePlatformStack("collect-verything/platform/us-east-1")!;
    expect(standIn.outputs[ORIGIN_PULL_CA_OUTPUT]).toBe(platform.outputs[ORIGIN_PULL_CA_OUTPUT]);
    expect(standIn.secretOutputNames).toContain(ORIGIN_PULL_CLIENT_OUTPUT);
    expect(OFFLINE_ORIGIN_PULL_CLIENT).toEqual({
      certificate: offlinePem("CERTIFICATE", "origin-pull-client"),
      privateKey: offlinePem("PRIVATE KEY", "origin-pull-client"),
    });
  }, 120_000);

  it("every tenant zone uploads the client certificate (the key a secret) before pulls are enabled", async () => {
    const { result } = await synthShape("business", 2, "acme", { regions: ["eu-west-3", "us-east-1"] });
    const upload = result.resources.filter((r) => r.type.endsWith(":AuthenticatedOriginPullsCertificate"));
    expect(upload.map((r) => r.inputs)).toEqual([
      {
        zoneId: "1123456789abcdef0123456789abcdef",
        certificate: OFFLINE_ORIGIN_PULL_CLIENT.certificate,
        privateKey: SECRET_PLACEHOLDER,
      },
    ]);
    const settings = result.resources.find((r) => r.type.endsWith(":AuthenticatedOriginPullsSettings"))!;
    expect(settings.dependsOn).toContain(upload[0]!.urn);
  }, 120_000);

  it("a platform stack that exports no client certificate, or not a PEM pair, breaks the contract without echoing it", () => {
    expect(() => parseOriginPullClient(undefined, "p")).toThrow(/originPullClient is missing/);
    const leaked = "not-a-key-but-a-secret";
    let message = "";
    try {
      parseOriginPullClient({ certificate: "x", privateKey: leaked }, "p");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/has no valid certificate, privateKey/);
    expect(message).not.toContain(leaked);
    expect(parseOriginPullClient(OFFLINE_ORIGIN_PULL_CLIENT, "p")).toEqual(OFFLINE_ORIGIN_PULL_CLIENT);
    // The CA another region trusts: one PEM certificate, or the contract is broken.
    expect(() => parseOriginPullCa(undefined, "p")).toThrow(/originPullCa is missing/);
    expect(() => parseOriginPullCa(OFFLINE_ORIGIN_PULL_CLIENT.privateKey, "p")).toThrow(
      /not a PEM CERTIFICATE/,
    );
    expect(parseOriginPullCa(OFFLINE_ORIGIN_PULL_CLIENT.certificate, "p")).toBe(
      OFFLINE_ORIGIN_PULL_CLIENT.certificate,
    );
  });
});
