import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";
import { waitUntil } from "./wait-until.js";

/**
 * Debian's vsftpd, an FTP server this project did not write, writing uploads into an inbox the
 * service watches, and curl as the datalogger's FTP client. Run as the user that starts it
 * (run_as_launching_user): no system account, no chroot, anonymous uploads only, loopback only.
 * The production setup (one account per facility, FTPS) is in industrial/README.md.
 */
export const VSFTPD_BINARY = "/usr/sbin/vsftpd";
const HOST = "127.0.0.1";
const run = promisify(execFile);

export interface VsftpdServer {
  readonly port: number;
  /** Where uploads land (anon_root). */
  readonly inboxDir: string;
  /** vsftpd's transfer log (xferlog format): one line per finished upload. */
  readonly xferlog: string;
  output(): string;
  stop(): Promise<void>;
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

const exitOf = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));

export async function startVsftpd(inboxDir: string): Promise<VsftpdServer> {
  const dir = await mkdtemp(join(tmpdir(), "envmon-vsftpd-"));
  await mkdir(inboxDir, { recursive: true });
  // Anonymous uploads write as the launching user; the inbox must be writable and not owned by
  // the anonymous account for vsftpd to accept it as anon_root.
  await chmod(inboxDir, 0o777);
  const xferlog = join(dir, "xferlog");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, "vsftpd.conf");
    await writeFile(
      config,
      [
        "listen=YES",
        `listen_address=${HOST}`,
        `listen_port=${port}`,
        "background=NO",
        "run_as_launching_user=YES",
        "anonymous_enable=YES",
        "no_anon_password=YES",
        "local_enable=NO",
        "write_enable=YES",
        "anon_upload_enable=YES",
        "anon_mkdir_write_enable=YES",
        "anon_other_write_enable=NO",
        `anon_root=${inboxDir}`,
        "anon_umask=022",
        // Active mode: curl listens, vsftpd connects from any port (no passive port range to reserve).
        "pasv_enable=NO",
        "port_enable=YES",
        "connect_from_port_20=NO",
        "seccomp_sandbox=NO",
        "xferlog_enable=YES",
        "xferlog_std_format=YES",
        `xferlog_file=${xferlog}`,
        `secure_chroot_dir=${dir}`,
        "",
      ].join("\n"),
    );
    const child = spawn(VSFTPD_BINARY, [config], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = exitOf(child);
    try {
      await waitUntil(
        `vsftpd to listen on ${port}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`vsftpd exited with ${child.exitCode}: ${output}`);
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
    return {
      port,
      inboxDir,
      xferlog,
      output: () => output,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
          await exited;
          clearTimeout(killer);
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Uploads a local file with curl (active mode), creating the folders of `remotePath`. */
export async function curlUpload(port: number, localFile: string, remotePath: string): Promise<void> {
  await run(
    "curl",
    [
      "--silent",
      "--show-error",
      "--ftp-create-dirs",
      "--ftp-port",
      HOST,
      "-T",
      localFile,
      `ftp://${HOST}:${port}/${remotePath}`,
    ],
    { timeout: 15_000 },
  );
}

/** A curl upload fed from stdin, so a test can send part of a file, pause, and finish it. */
export function curlUploadFromStdin(port: number, remotePath: string): ChildProcess {
  return spawn(
    "curl",
    [
      "--silent",
      "--show-error",
      "--ftp-create-dirs",
      "--ftp-port",
      HOST,
      "-T",
      "-",
      `ftp://${HOST}:${port}/${remotePath}`,
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
}
