/**
 * Runs the MySQL/MariaDB command-line tools (dump, client, binlog reader) against a server: the
 * password through the environment (never the command line, visible in `ps`), times in UTC
 * (`mariadb-binlog` reads --stop-datetime in the local zone), stderr kept for the error.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import type { MysqlUsageConnection } from "./preflight";

export type MysqlServer = MysqlUsageConnection;

export interface ToolRun {
  /** What the run is, for the error message ("final backup of acme"). */
  readonly what: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Fed to the tool's standard input. Default nothing. */
  readonly stdin?: Readable;
  /** File the tool's standard output goes to. Default: discarded. */
  readonly stdoutFile?: string;
}

/** Connection options every tool takes. */
export function connectionArgs(server: MysqlServer): string[] {
  return ["-h", server.host, "-P", String(server.port), "-u", server.user];
}

export function runTool(server: MysqlServer, run: ToolRun): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(run.command, run.args, {
      env: { ...process.env, MYSQL_PWD: server.password, TZ: "UTC" },
      stdio: [run.stdin ? "pipe" : "ignore", run.stdoutFile ? "pipe" : "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const out = run.stdoutFile ? createWriteStream(run.stdoutFile) : undefined;
    if (out && child.stdout) child.stdout.pipe(out);
    if (run.stdin && child.stdin) {
      child.stdin.on("error", () => undefined); // the exit code reports a tool that stopped reading
      run.stdin.on("error", (error) => child.kill() && reject(new Error(`${run.what}: ${error.message}`)));
      run.stdin.pipe(child.stdin);
    }
    child.on("error", (error) =>
      reject(new Error(`${run.what}: cannot run ${run.command}: ${error.message}`)),
    );
    child.on("close", (code) => {
      if (code !== 0)
        return reject(new Error(`${run.what} failed (${run.command} exited ${code}): ${stderr.trim()}`));
      if (out) out.end(() => resolve());
      else resolve();
    });
  });
}

/** Runs `work` on one admin connection (mysql2), closing it afterwards. */
export async function withConnection<T>(
  server: MysqlServer,
  work: (db: import("mysql2/promise").Connection) => Promise<T>,
): Promise<T> {
  const mysql = await import("mysql2/promise");
  const db = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    multipleStatements: false,
  });
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
