/**
 * The peers of bench/peers-bench.ts as child processes: Debian's Mosquitto with a password file
 * (mosquitto_passwd) and an ACL for the bench's devices, and the Telegraf built by
 * scripts/install-telegraf.sh.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "../test/support/free-port.js";
import { MOSQUITTO_BINARY } from "../test/support/mosquitto-process.js";
import { waitUntil } from "../test/support/wait-until.js";
import {
  mosquittoAcl,
  mosquittoConfig,
  mosquittoPlainPasswords,
  TELEGRAF_MQTT_USER,
  type TelegrafConfigOptions,
  telegrafConfig,
} from "./peer-configs.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HOST = "127.0.0.1";
const STOP_TIMEOUT_MS = 15_000;

export interface PeerProcess {
  readonly pid: number;
  /** The last 20 kB the process wrote, for failure messages. */
  output(): string;
  /** SIGTERM (SIGKILL after 15 s), then its files are removed. */
  stop(): Promise<void>;
}

/** `binary args` in `dir`; stopping it removes `dir` when `removeDir`. */
function spawnPeer(
  binary: string,
  args: string[],
  dir: string,
  removeDir = true,
): { child: ChildProcess } & PeerProcess {
  const child = spawn(binary, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  // Never leave a peer behind when the bench dies without stopping it.
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  return {
    child,
    pid: child.pid as number,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      process.off("exit", killOnExit);
      if (removeDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: HOST });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface MosquittoPeer extends PeerProcess {
  readonly url: string;
  /** The account Telegraf consumes with. */
  readonly consumer: { readonly username: string; readonly password: string };
  /** Seconds mosquitto_passwd took to hash the password file. */
  readonly passwordFileHashS: number;
}

/**
 * Mosquitto on a free loopback port: anonymous access off, a hashed password file (sha512-pbkdf2,
 * mosquitto_passwd's default) with the devices' secrets and a consumer account, devices limited
 * to their own topics.
 */
export async function startMosquittoPeer(
  devices: ReadonlyMap<string, string>,
  limits: { readonly maxInflightMessages: number; readonly maxQueuedMessages: number },
): Promise<MosquittoPeer> {
  const dir = await mkdtemp(join(tmpdir(), "envmon-peer-mosquitto-"));
  const consumer = { username: TELEGRAF_MQTT_USER, password: randomBytes(18).toString("base64url") };
  const passwordFile = join(dir, "passwords");
  const aclFile = join(dir, "acl");
  await writeFile(
    passwordFile,
    mosquittoPlainPasswords([...devices, [consumer.username, consumer.password]]),
    { mode: 0o600 },
  );
  await chmod(passwordFile, 0o600);
  const hashStarted = Date.now();
  await run("mosquitto_passwd", ["-U", passwordFile], { timeout: 600_000 });
  const passwordFileHashS = (Date.now() - hashStarted) / 1000;
  await writeFile(aclFile, mosquittoAcl(consumer.username));
  // A port free a moment ago can be taken before mosquitto binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, "mosquitto.conf");
    const user = process.getuid?.() === 0 ? { user: "root" } : {};
    await writeFile(config, mosquittoConfig({ port, passwordFile, aclFile, ...limits, ...user }));
    const peer = spawnPeer(MOSQUITTO_BINARY, ["-c", config], dir, attempt >= 3);
    try {
      await waitUntil(
        `mosquitto to listen on ${port}`,
        async () => {
          if (peer.child.exitCode !== null) {
            throw new Error(`mosquitto exited with ${peer.child.exitCode}: ${peer.output()}`);
          }
          return accepts(port);
        },
        { timeoutMs: 10_000 },
      );
    } catch (error) {
      await peer.stop();
      if (attempt >= 3) throw error;
      continue;
    }
    return {
      pid: peer.pid,
      url: `mqtt://${HOST}:${port}`,
      consumer,
      passwordFileHashS,
      output: peer.output,
      async stop() {
        await peer.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** bench/bare-aedes-broker.ts on a free loopback port: Aedes alone, the floor for memory per connection. */
export async function startBareAedes(): Promise<PeerProcess & { readonly url: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // Run from the project (where tsx resolves); it writes no files, so nothing to remove.
    const peer = spawnPeer(
      process.execPath,
      ["--import", "tsx", join("bench", "bare-aedes-broker.ts"), String(port)],
      ROOT,
      false,
    );
    try {
      await waitUntil(
        `bare Aedes to listen on ${port}`,
        async () => {
          if (peer.child.exitCode !== null) {
            throw new Error(`bare Aedes exited with ${peer.child.exitCode}: ${peer.output()}`);
          }
          return peer.output().includes("listening") && (await accepts(port));
        },
        { timeoutMs: 30_000 },
      );
    } catch (error) {
      await peer.stop();
      if (attempt >= 3) throw error;
      continue;
    }
    return { pid: peer.pid, url: `mqtt://${HOST}:${port}`, output: peer.output, stop: peer.stop };
  }
}

/** The binary scripts/install-telegraf.sh built, or undefined when it has not been built yet. */
export async function telegrafBinary(): Promise<string | undefined> {
  try {
    const { stdout } = await run("bash", [join(ROOT, "scripts", "install-telegraf.sh"), "--print-path"]);
    return stdout.trim().split("\n").at(-1) || undefined;
  } catch {
    return undefined;
  }
}

export interface TelegrafPeer extends PeerProcess {
  readonly version: string;
}

/** Telegraf with the generated configuration; whether it consumes is for the caller to prove. */
export async function startTelegrafPeer(
  binary: string,
  options: TelegrafConfigOptions,
): Promise<TelegrafPeer> {
  const { stdout } = await run(binary, ["--version"]);
  const dir = await mkdtemp(join(tmpdir(), "envmon-peer-telegraf-"));
  const config = join(dir, "telegraf.conf");
  await writeFile(config, telegrafConfig(options), { mode: 0o600 });
  const peer = spawnPeer(binary, ["--config", config, "--strict-env-handling"], dir);
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (peer.child.exitCode !== null) {
    await peer.stop();
    throw new Error(`telegraf exited with ${peer.child.exitCode}: ${peer.output()}`);
  }
  return { pid: peer.pid, version: stdout.trim(), output: peer.output, stop: peer.stop };
}
