import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";
import { waitUntil } from "./wait-until.js";

/** Eclipse Mosquitto and its command-line clients, a broker and clients this project did not write. */
export const MOSQUITTO_BINARY = "/usr/sbin/mosquitto";
const MOSQUITTO_PUB = "mosquitto_pub";
const MOSQUITTO_SUB = "mosquitto_sub";
const HOST = "127.0.0.1";

const run = promisify(execFile);

export interface MosquittoProcess {
  readonly port: number;
  readonly url: string;
  /** Everything the broker logged, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
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

/** Starts mosquitto on a free loopback port with anonymous access and no persistence. */
export async function startMosquitto(): Promise<MosquittoProcess> {
  const dir = await mkdtemp(join(tmpdir(), "envmon-mosquitto-"));
  // A port free a moment ago can be taken before mosquitto binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, "mosquitto.conf");
    await writeFile(
      config,
      [`listener ${port} ${HOST}`, "allow_anonymous true", "persistence false", ""].join("\n"),
    );
    const child = spawn(MOSQUITTO_BINARY, ["-c", config], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = exitOf(child);
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await waitUntil(
        `mosquitto to listen on ${port}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${output}`);
          return accepts(port);
        },
        { timeoutMs: 10_000 },
      );
    } catch (error) {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      continue;
    }
    return { port, url: `mqtt://${HOST}:${port}`, output: () => output, stop };
  }
}

/** Publishes one message with `mosquitto_pub`; resolves once the broker acknowledged it (QoS ≥ 1). */
export async function mosquittoPublish(
  port: number,
  topic: string,
  message: string,
  options: { readonly qos?: 0 | 1 | 2; readonly retain?: boolean } = {},
): Promise<void> {
  const args = ["-h", HOST, "-p", String(port), "-q", String(options.qos ?? 1), "-t", topic, "-m", message];
  if (options.retain) args.push("-r");
  await run(MOSQUITTO_PUB, args, { timeout: 15_000 });
}

export interface MosquittoSubscriber {
  /** Payloads received on `topic`, in order. */
  messages(): string[];
  stop(): Promise<void>;
}

/**
 * Runs `mosquitto_sub` on a topic and resolves once it is subscribed. Its debug output is not
 * flushed when piped, so readiness is proven by a probe message on a private topic coming back.
 * `topic` is literal (no wildcards): received lines are matched against it.
 */
export async function startMosquittoSubscriber(port: number, topic: string): Promise<MosquittoSubscriber> {
  const probeTopic = `probe/${randomUUID()}`;
  const child = spawn(
    MOSQUITTO_SUB,
    ["-h", HOST, "-p", String(port), "-q", "1", "-v", "-t", topic, "-t", probeTopic],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = exitOf(child);
  let buffered = "";
  const lines: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split("\n");
    buffered = complete.pop() ?? "";
    lines.push(...complete);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    await waitUntil(`mosquitto_sub to subscribe to ${topic}`, async () => {
      if (child.exitCode !== null) throw new Error(`mosquitto_sub exited with ${child.exitCode}`);
      if (lines.some((l) => l.startsWith(`${probeTopic} `))) return true;
      await mosquittoPublish(port, probeTopic, "probe", { qos: 0 });
      return false;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const prefix = `${topic} `;
  return {
    messages: () => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length)),
    stop,
  };
}
