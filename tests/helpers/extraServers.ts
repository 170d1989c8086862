/**
 * Extra RabbitMQ and MariaDB servers for fault trials: started by the test on their own ports, in
 * a temp directory, and stopped or restarted by their own process (never the machine's servers,
 * which other work uses). A restart keeps the data directory, as a real restart does.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { reachable } from "./servers";

/** Whether this machine can run them (the Debian packages' binaries). */
export const canRunExtraServers = (): boolean =>
  existsSync("/usr/lib/rabbitmq/bin/rabbitmq-server") && existsSync("/usr/sbin/mariadbd");

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A server process the test owns: stop (graceful), start again on the same data. */
export abstract class ExtraServer {
  protected child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    protected readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }
  protected abstract launch(): ChildProcess;
  protected abstract ready(): Promise<boolean>;

  async start(timeoutMs = 60_000): Promise<void> {
    this.child = this.launch();
    this.child.on("error", () => undefined);
    await waitFor(`${this.constructor.name} on port ${this.port}`, () => this.ready(), timeoutMs);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill("SIGTERM");
    await exited(child, 30_000);
    await waitFor(
      `port ${this.port} to close`,
      async () => !(await reachable("127.0.0.1", this.port)),
      30_000,
    );
  }
}

/** A RabbitMQ node of its own (name, AMQP and distribution ports, data), no plugins, guest allowed. */
export class ExtraRabbit extends ExtraServer {
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }
  protected launch(): ChildProcess {
    writeFileSync(join(this.dir, "enabled_plugins"), "[].\n");
    writeFileSync(join(this.dir, "rabbitmq.conf"), "loopback_users = none\n");
    writeFileSync(join(this.dir, "env"), "");
    for (const sub of ["mnesia", "log"]) mkdirSync(join(this.dir, sub), { recursive: true });
    return spawn("/usr/lib/rabbitmq/bin/rabbitmq-server", [], {
      stdio: "ignore",
      env: {
        ...process.env,
        RABBITMQ_NODENAME: `faults${this.port}@localhost`,
        RABBITMQ_NODE_PORT: String(this.port),
        RABBITMQ_DIST_PORT: String(this.port + 20_000),
        RABBITMQ_MNESIA_BASE: join(this.dir, "mnesia"),
        RABBITMQ_LOG_BASE: join(this.dir, "log"),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, "enabled_plugins"),
        RABBITMQ_CONFIG_FILE: join(this.dir, "rabbitmq"),
        RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dir, "advanced.config"),
        RABBITMQ_CONF_ENV_FILE: join(this.dir, "env"),
        RABBITMQ_FEATURE_FLAGS_FILE: join(this.dir, "feature_flags"),
        RABBITMQ_PID_FILE: join(this.dir, "pid"),
      },
    });
  }
  protected ready(): Promise<boolean> {
    return reachable("127.0.0.1", this.port);
  }
}

/** A MariaDB of its own (data directory made on first start), root without a password. */
export class ExtraMariadb extends ExtraServer {
  protected launch(): ChildProcess {
    const data = join(this.dir, "data");
    if (!existsSync(join(data, "mysql"))) {
      const installed = spawnSync(
        "mariadb-install-db",
        [
          "--no-defaults",
          "--auth-root-authentication-method=normal",
          "--skip-test-db",
          `--datadir=${data}`,
          "--user=root",
        ],
        { encoding: "utf8" },
      );
      if (installed.status !== 0) throw new Error(`mariadb-install-db failed: ${installed.stderr}`);
    }
    return spawn(
      "/usr/sbin/mariadbd",
      [
        "--no-defaults",
        "--user=root",
        `--datadir=${data}`,
        `--port=${this.port}`,
        "--bind-address=127.0.0.1",
        `--socket=${join(this.dir, "mariadbd.sock")}`,
        `--pid-file=${join(this.dir, "mariadbd.pid")}`,
        `--log-error=${join(this.dir, "error.log")}`,
        "--innodb-buffer-pool-size=32M",
      ],
      { stdio: "ignore" },
    );
  }
  protected ready(): Promise<boolean> {
    const ping = spawnSync(
      "mariadb-admin",
      ["--host=127.0.0.1", `--port=${this.port}`, "--user=root", "ping"],
      {
        encoding: "utf8",
      },
    );
    return Promise.resolve(ping.status === 0);
  }
}
