import { type ChildProcess, spawn } from "node:child_process";

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCommand {
  readonly child: ChildProcess;
  stdout(): string;
  /** Resolves once stdout contains the text (rejects when the process ends first or the time is up). */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  /** Resolves with the exit code and everything printed. */
  finished: Promise<CommandResult>;
  /** Ends the process if it still runs. */
  kill(): void;
}

/** Runs a program that is not ours (mosquitto_pub, mosquitto_sub) and collects what it prints. */
export function startCommand(program: string, args: readonly string[]): RunningCommand {
  const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const outputListeners = new Set<() => void>();
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of outputListeners) listener();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const finished = new Promise<CommandResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      resolve({ code, stdout, stderr });
      for (const listener of outputListeners) listener();
    });
  });
  // A failed spawn is reported through `finished`; keep it from being an unhandled rejection meanwhile.
  finished.catch(() => {});

  return {
    child,
    stdout: () => stdout,
    finished,
    waitForOutput(text, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          outputListeners.delete(check);
          reject(
            new Error(
              `${program} did not print '${text}' within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`,
            ),
          );
        }, timeoutMs);
        function check() {
          if (stdout.includes(text)) {
            clearTimeout(timer);
            outputListeners.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            outputListeners.delete(check);
            reject(
              new Error(`${program} exited before printing '${text}'; stdout: ${stdout}; stderr: ${stderr}`),
            );
          }
        }
        outputListeners.add(check);
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    },
  };
}

/** Runs a program to completion and fails when it does not end in time. */
export async function runCommand(
  program: string,
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<CommandResult> {
  const running = startCommand(program, args);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      running.kill();
      reject(new Error(`${program} ${args.join(" ")} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([running.finished, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
