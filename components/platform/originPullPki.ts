import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { OriginPullClient } from "../shared/contracts";

/** The origin-pull CA's certificate and the client certificate it signed: what the gateways and zones need. */
export interface OriginPull {
  /** The CA's certificate (PEM): every region's gateway validates client certificates against it. */
  readonly caCertificate: pulumi.Output<string>;
  /** The client certificate and key every tenant zone uploads (a secret). */
  readonly client: pulumi.Output<OriginPullClient>;
}

/** CA validity: ten years, renewed a year before it ends (the gateways and zones follow on their next run). */
const CA_HOURS = 10 * 365 * 24;
/** The client certificate: one year, renewed 30 days before its end. */
const CLIENT_HOURS = 365 * 24;

/**
 * The platform's own origin-pull PKI (tiers/edge.ts ORIGIN_PULL), made once, in the primary
 * region's platform stack (the other regions read it from there, stacks/originPull.ts): a CA
 * whose certificate every region's Gateway validates client certificates against, and the client
 * certificate it signs, which every tenant zone uploads for Authenticated Origin Pulls
 * (components/edge/tenantEdge.ts). One CA for all regions, because a zone presents one
 * certificate to whichever region's gateway its load balancer picks. Not Cloudflare's shared
 * origin-pull CA: every Cloudflare zone presents that one. The keys live only in the stacks'
 * state, as secrets.
 */
export class OriginPullPki extends pulumi.ComponentResource implements OriginPull {
  readonly caCertificate: pulumi.Output<string>;
  readonly client: pulumi.Output<OriginPullClient>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:OriginPullPki", name, {}, opts);
    const child = { parent: this };
    const subject = (commonName: string) => ({ commonName, organization: "Collect & Verything" });
    const caKey = new tls.PrivateKey(`${name}-ca`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        subject: subject("Collect & Verything origin-pull CA"),
        isCaCertificate: true,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        validityPeriodHours: CA_HOURS,
        earlyRenewalHours: 365 * 24,
      },
      child,
    );
    const clientKey = new tls.PrivateKey(`${name}-client`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const request = new tls.CertRequest(
      `${name}-client`,
      { privateKeyPem: clientKey.privateKeyPem, subject: subject("Collect & Verything edge") },
      child,
    );
    const client = new tls.LocallySignedCert(
      `${name}-client`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        allowedUses: ["digital_signature", "client_auth"],
        validityPeriodHours: CLIENT_HOURS,
        earlyRenewalHours: 30 * 24,
      },
      child,
    );
    this.caCertificate = ca.certPem;
    this.client = pulumi.secret(
      pulumi.all([client.certPem, clientKey.privateKeyPem]).apply(([certificate, privateKey]) => ({
        certificate,
        privateKey,
      })),
    );
    this.registerOutputs({ caCertificate: this.caCertificate, client: this.client });
  }
}
