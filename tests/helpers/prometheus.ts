/** A Prometheus-compatible `/api/v1/query` endpoint on loopback, answering from a table. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakePrometheus {
  readonly url: string;
  /** Queries received, decoded. */
  readonly queries: string[];
  close(): Promise<void>;
}

/** `answer` maps a PromQL query to a sample (undefined = empty result). */
export async function startPrometheus(
  answer: (query: string) => number | undefined,
): Promise<FakePrometheus> {
  const queries: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/api/v1/query") {
      res.writeHead(404).end();
      return;
    }
    const query = url.searchParams.get("query") ?? "";
    queries.push(query);
    const value = answer(query);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        status: "success",
        data: {
          resultType: "vector",
          result: value === undefined ? [] : [{ metric: {}, value: [Date.now() / 1000, String(value)] }],
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
