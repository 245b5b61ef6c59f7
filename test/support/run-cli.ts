/** Test support: runs one of the project's command-line programs under tsx, as a user runs it from the project root. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the program's standard input, which is then closed; without it, there is no input. */
  readonly stdin?: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Resolves with the exit code and everything printed once the program has ended. */
  readonly finished: Promise<CliResult>;
}

/** Starts the program at `script` (an absolute path) with `args`. */
export function startCli(script: string, args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  const finished = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, finished };
}

/** Runs the program at `script` to its end. */
export function runCli(
  script: string,
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> {
  return startCli(script, args, options).finished;
}
