/** A local S3-compatible server (s3rver) and a client of it, for the tests of what reads and writes buckets. */
import { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";

export class LocalS3 {
  /** The server itself, for a test that adds middleware before `start`. */
  readonly server: S3rver;
  private client: S3Client | undefined;

  /** Objects live under `directory`; `buckets` exist from the start. */
  constructor(directory: string, buckets: readonly string[] = []) {
    this.server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory,
      configureBuckets: buckets.map((name) => ({ name })),
    });
  }

  /** Starts the server on a free port: its endpoint, and a path-style client with s3rver's own credentials. */
  async start(): Promise<{ endpoint: string; client: S3Client }> {
    const { port } = await this.server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    this.client = new S3Client({
      endpoint,
      region: "eu-west-3",
      forcePathStyle: true,
      // s3rver predates the SDK's default checksums.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    return { endpoint, client: this.client };
  }

  /** Closes the client (when started) and the server; the directory is the caller's. */
  async stop(): Promise<void> {
    this.client?.destroy();
    await this.server.close();
  }
}
