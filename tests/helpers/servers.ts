/**
 * The real MariaDB/MySQL and RabbitMQ the data-service tests talk to. Addresses come from the
 * environment (defaults: this machine's servers). Under CI=true an unreachable server fails
 * the run; elsewhere the tests are skipped with a message saying how to start the servers.
 */
import { createConnection } from "node:net";
import { linkTopology } from "../../service/rabbit";

export const MYSQL = {
  host: process.env.MYSQL_HOST ?? "127.0.0.1",
  port: Number(process.env.MYSQL_PORT ?? 3306),
  user: process.env.MYSQL_USER ?? "root",
  password: process.env.MYSQL_PASSWORD ?? "",
};

/** A MariaDB with binary logging (the point-in-time restore drill); `.ci/binlog-mariadb.sh` starts one. */
export const MYSQL_BINLOG = { ...MYSQL, port: Number(process.env.MYSQL_BINLOG_PORT ?? 3307) };

export const RABBITMQ = {
  url: process.env.RABBITMQ_MANAGEMENT_URL ?? "http://127.0.0.1:15672",
  user: process.env.RABBITMQ_USER ?? "guest",
  password: process.env.RABBITMQ_PASSWORD ?? "guest",
};

/** AMQP (the provisioning service's broker): AMQP_URL, default guest on this machine's 5672. */
export const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

export const START_SERVERS_HINT =
  "start them with `docker compose -f compose.test.yaml up -d` (or point MYSQL_HOST/MYSQL_PORT/MYSQL_USER/MYSQL_PASSWORD and " +
  "RABBITMQ_MANAGEMENT_URL/RABBITMQ_USER/RABBITMQ_PASSWORD at running servers; RabbitMQ needs the rabbitmq_management plugin)";

/** Resolves true when something accepts TCP connections on host:port within 2 s. */
export function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 2000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

export const rabbitManagementPort = (): number => Number(new URL(RABBITMQ.url).port || 15672);

/**
 * Whether the tests needing `server` should run. Throws under CI=true when it is unreachable
 * (CI must exercise them), otherwise logs why they are skipped.
 */
export async function serverAvailable(name: string, host: string, port: number): Promise<boolean> {
  if (await reachable(host, port)) return true;
  const message = `${name} is not reachable at ${host}:${port}; ${START_SERVERS_HINT}`;
  if (process.env.CI === "true") throw new Error(`CI=true: ${message}`);
  console.warn(`skipping ${name} tests: ${message}`);
  return false;
}

/** Whether the tests needing the binary-logging MariaDB (MYSQL_BINLOG) should run, as serverAvailable. */
export const binlogServerAvailable = (): Promise<boolean> =>
  serverAvailable(
    "MariaDB with binary logging (.ci/binlog-mariadb.sh)",
    MYSQL_BINLOG.host,
    MYSQL_BINLOG.port,
  );

/** Runs SQL statements (several allowed) as the admin account of MYSQL. */
export async function mysqlQuery(statements: string): Promise<void> {
  const mysql = await import("mysql2/promise");
  const db = await mysql.createConnection({ ...MYSQL, multipleStatements: true });
  try {
    await db.query(statements);
  } finally {
    await db.end();
  }
}

/**
 * Removes from the shared broker what a RabbitLink with `prefix` declares (its operations and
 * dead-letter queues and exchanges), and `exchanges` besides (a test's own events exchange).
 */
export async function removeLinkTopology(prefix: string, exchanges: readonly string[] = []): Promise<void> {
  const { default: amqp } = await import("amqplib");
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const { queue, deadQueue, exchange, deadExchange } = linkTopology(prefix);
    for (const name of [queue, deadQueue]) await channel.deleteQueue(name);
    for (const name of [exchange, deadExchange, ...exchanges]) await channel.deleteExchange(name);
  } finally {
    await connection.close();
  }
}
