/**
 * Local protocol fakes for the volume erasers (no cluster and no AWS here): an HTTP server
 * speaking the EC2 Query API's DescribeVolumes (tag-key and volume-id selection, NextToken pages)
 * and DeleteVolume (a volume is `deleting` for one describe, then gone; an attached one is
 * refused with VolumeInUse), and one speaking the Kubernetes PersistentVolume list (limit and
 * continue), get and delete endpoints behind a bearer token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeVolume {
  readonly id: string;
  state: "available" | "in-use" | "deleting";
  readonly tags: Readonly<Record<string, string>>;
}

export interface FakePv {
  readonly name: string;
  readonly claimNamespace?: string;
  readonly claimName?: string;
  readonly volumeHandle?: string;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function ec2Error(res: ServerResponse, code: string): void {
  res.writeHead(400, { "content-type": "text/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${code}</Message></Error></Errors><RequestID>r</RequestID></Response>`,
  );
}

function volumeXml(v: FakeVolume): string {
  const tags = Object.entries(v.tags)
    .map(([k, value]) => `<item><key>${xml(k)}</key><value>${xml(value)}</value></item>`)
    .join("");
  return `<item><volumeId>${v.id}</volumeId><size>8</size><availabilityZone>eu-west-3a</availabilityZone><status>${v.state}</status><tagSet>${tags}</tagSet></item>`;
}

/** The EC2 fake; `volumes` is its state (tests seed and inspect it), `actions` what it was asked. */
export class FakeEc2 {
  readonly volumes = new Map<string, FakeVolume>();
  readonly actions: string[] = [];
  /** What each DescribeVolumes selected by, as the SDK serialized it. */
  readonly describes: { readonly tagKeys: readonly string[]; readonly ids: readonly string[] }[] = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));
  endpoint = "";

  async start(): Promise<void> {
    this.endpoint = await listen(this.server);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const action = form.get("Action") ?? "";
    this.actions.push(action);
    if (action === "DescribeVolumes") return this.describe(form, res);
    if (action === "DeleteVolume") return this.delete(form, res);
    ec2Error(res, "InvalidAction");
  }

  private describe(form: URLSearchParams, res: ServerResponse): void {
    const ids = [...form.entries()].filter(([k]) => /^VolumeId\.\d+$/.test(k)).map(([, v]) => v);
    const tagKeys: string[] = [];
    for (const [k, v] of form.entries())
      if (/^Filter\.\d+\.Name$/.test(k) && v === "tag-key") {
        const n = k.split(".")[1];
        for (const [k2, v2] of form.entries()) if (k2.startsWith(`Filter.${n}.Value.`)) tagKeys.push(v2);
      }
    this.describes.push({ tagKeys, ids });
    let selected = [...this.volumes.values()];
    if (ids.length > 0) {
      const missing = ids.filter((id) => !this.volumes.has(id));
      if (missing.length > 0) return ec2Error(res, "InvalidVolume.NotFound");
      selected = selected.filter((v) => ids.includes(v.id));
    }
    if (tagKeys.length > 0) selected = selected.filter((v) => tagKeys.some((k) => k in v.tags));
    // Pages of two, so the eraser must follow NextToken.
    const start = Number(form.get("NextToken") ?? 0);
    const page = selected.slice(start, start + 2);
    const next = start + 2 < selected.length ? `<nextToken>${start + 2}</nextToken>` : "";
    // A deleting volume shows once as deleting, then is gone.
    for (const v of page) if (v.state === "deleting" && ids.length > 0) this.volumes.delete(v.id);
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><DescribeVolumesResponse ${NS}><requestId>r</requestId><volumeSet>${page.map(volumeXml).join("")}</volumeSet>${next}</DescribeVolumesResponse>`,
    );
  }

  private delete(form: URLSearchParams, res: ServerResponse): void {
    const volume = this.volumes.get(form.get("VolumeId") ?? "");
    if (!volume) return ec2Error(res, "InvalidVolume.NotFound");
    if (volume.state === "in-use") return ec2Error(res, "VolumeInUse");
    volume.state = "deleting";
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><DeleteVolumeResponse ${NS}><requestId>r</requestId><return>true</return></DeleteVolumeResponse>`,
    );
  }
}

/** The Kubernetes fake: PersistentVolumes behind `Authorization: Bearer <token>`. */
export class FakeKubernetes {
  readonly pvs = new Map<string, FakePv>();
  readonly requests: string[] = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));
  url = "";

  constructor(readonly token: string) {}

  async start(): Promise<void> {
    this.url = await listen(this.server);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private object(pv: FakePv): Record<string, unknown> {
    return {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: pv.name },
      spec: {
        persistentVolumeReclaimPolicy: "Retain",
        ...(pv.claimNamespace
          ? { claimRef: { kind: "PersistentVolumeClaim", namespace: pv.claimNamespace, name: pv.claimName } }
          : {}),
        ...(pv.volumeHandle ? { csi: { driver: "ebs.csi.aws.com", volumeHandle: pv.volumeHandle } } : {}),
      },
      status: { phase: pv.claimNamespace ? "Released" : "Available" },
    };
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake");
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return this.send(res, 401, { kind: "Status", code: 401, reason: "Unauthorized" });
    const notFound = { kind: "Status", code: 404, reason: "NotFound" };
    if (url.pathname === "/api/v1/persistentvolumes" && req.method === "GET") {
      const all = [...this.pvs.values()];
      const limit = Number(url.searchParams.get("limit") ?? all.length) && 2; // pages of two
      const start = Number(url.searchParams.get("continue") ?? 0);
      const next = start + limit < all.length ? String(start + limit) : undefined;
      return this.send(res, 200, {
        kind: "PersistentVolumeList",
        metadata: next ? { continue: next } : {},
        items: all.slice(start, start + limit).map((pv) => this.object(pv)),
      });
    }
    const match = /^\/api\/v1\/persistentvolumes\/([^/]+)$/.exec(url.pathname);
    const pv = match ? this.pvs.get(decodeURIComponent(match[1]!)) : undefined;
    if (!match || !pv) return this.send(res, 404, notFound);
    if (req.method === "DELETE") this.pvs.delete(pv.name);
    return this.send(res, 200, this.object(pv));
  }
}
