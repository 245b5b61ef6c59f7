/**
 * Station files over FTP, end to end: Debian's vsftpd receives the uploads of curl (a client we did
 * not write) into the inbox the real service watches; the values appear in the API with their
 * quality flags, a measuring value beyond the permit opens an alert while a calibrating one does
 * not, a file with bad lines is partly stored, the same file twice is stored once, a garbage file
 * is refused with its reason, and a stalled upload is not read until vsftpd logs it complete.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_FACILITIES } from "../industrial/index.js";
import { pollUntil } from "./support/poll.js";
import { type ServiceProcess, startServiceProcess } from "./support/service-process.js";
import { curlUpload, curlUploadFromStdin, startVsftpd, type VsftpdServer } from "./support/vsftpd-server.js";

const SETTLE_MS = 600;

/** yyyyMMddHHmmss in Vietnam time. */
function vietnamStamp(ms: number): string {
  const d = new Date(ms + 7 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

interface FileView {
  name: string;
  outcome: string;
  acceptedLines: number;
  refusedLines: number;
  reason: string | null;
  problems: Array<{ line: number; reason: string; message: string }>;
  archivedAs: string | null;
}

describe("station files received by vsftpd (curl uploads, real service)", () => {
  let work: string;
  let ftp: VsftpdServer;
  let service: ServiceProcess;
  let local: string;
  // Whole minutes a little in the past, so that no line is in the future.
  const base = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "envmon-industrial-"));
    local = join(work, "local");
    await mkdir(local);
    ftp = await startVsftpd(join(work, "inbox"));
    const facilitiesFile = join(work, "facilities.json");
    await writeFile(facilitiesFile, JSON.stringify(DEMO_FACILITIES));
    service = await startServiceProcess({
      env: {
        INDUSTRIAL_FACILITIES_FILE: facilitiesFile,
        INDUSTRIAL_INBOX_DIR: ftp.inboxDir,
        INDUSTRIAL_FTP_XFERLOG: ftp.xferlog,
        INDUSTRIAL_SETTLE_MS: String(SETTLE_MS),
        INDUSTRIAL_SCAN_INTERVAL_MS: "150",
      },
    });
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await ftp?.stop();
  });

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${service.httpUrl}/api/v1${path}`, {
      headers: await service.authHeaders(),
    });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  }
  const files = async () => (await api<{ files: FileView[] }>("/industrial/files")).files;
  const fileNamed = (name: string, outcome?: string) =>
    pollUntil(`${name} to be processed`, async () =>
      (await files()).find(
        // Recorded, then moved: wait for both.
        (f) => f.name === name && f.archivedAs !== null && (outcome === undefined || f.outcome === outcome),
      ),
    );
  async function upload(name: string, lines: string[], folder = "NT01") {
    const path = join(local, name);
    await writeFile(path, `${lines.join("\r\n")}\r\n`);
    const at = new Date(base + 7 * 3600_000);
    const day = `${at.getUTCFullYear()}/${String(at.getUTCMonth() + 1).padStart(2, "0")}/${String(at.getUTCDate()).padStart(2, "0")}`;
    await curlUpload(ftp.port, path, `${folder}/${day}/${name}`);
  }

  it("stores each line with its quality flag; only measuring values become readings and raise permit alerts", async () => {
    const t = vietnamStamp(base);
    const name = `TNI_DETMP_NT01_${t}.txt`;
    await upload(name, [
      `COD\t82.5\tmg/L\t${t}\t00`,
      `TSS\t900\tmg/L\t${t}\t01`,
      `pH\t7.2\t\t${t}\t00`,
      `Flow_IN\t0.00\tm3/h\t${t}\t02`,
      `Flow_OUT\t41.3\tm3/h\t${t}\t00`,
      `NH4+\t1.1\tmg/L\t${t}\t03`,
    ]);
    const file = await fileNamed(name);
    expect(file).toMatchObject({ outcome: "accepted", acceptedLines: 6, refusedLines: 0 });
    expect(file.archivedAs).toMatch(/^processed\/NT01\/\d{4}\/\d{2}\/\d{2}\//);
    const { values } = await api<{ values: Array<{ metric: string; value: number; quality: string }> }>(
      `/industrial/stations/tn-ww-001/values?from=${base - 60_000}&to=${base + 60_000}`,
    );
    expect(values.map((v) => [v.metric, v.value, v.quality])).toEqual([
      ["cod", 82.5, "measuring"],
      ["flow_in", 0, "error"],
      ["flow_out", 41.3, "measuring"],
      ["nh4", 1.1, "maintenance"],
      ["ph", 7.2, "measuring"],
      ["tss", 900, "calibrating"],
    ]);
    const latest = await api<{
      devices: Array<{ deviceId: string; values: Record<string, { value: number }> }>;
    }>("/latest?device=tn-ww-001");
    const stored = latest.devices[0]?.values ?? {};
    expect(Object.keys(stored).sort()).toEqual(["cod", "flow_out", "ph"]);
    expect(stored.cod?.value).toBe(82.5);
    // COD 82.5 > 75 (measuring) opens an alert; TSS 900 (calibrating) does not.
    const alerts = await pollUntil("the COD permit alert", async () => {
      const list = (
        await api<{ alerts: Array<{ deviceId: string; metric: string; lastValue: number }> }>("/alerts")
      ).alerts;
      return list.some((a) => a.deviceId === "tn-ww-001" && a.metric === "cod") ? list : undefined;
    });
    expect(alerts.filter((a) => a.deviceId === "tn-ww-001").map((a) => a.metric)).toEqual(["cod"]);
    const stats = await api<{
      statistics: Array<{ metric: string; max: number | null; count: number; flagged: number }>;
    }>(`/industrial/stations/tn-ww-001/statistics?from=${base - 3600_000}&to=${base + 3600_000}&period=day`);
    expect(stats.statistics.find((s) => s.metric === "tss")).toMatchObject({
      max: null,
      count: 0,
      flagged: 1,
    });
    expect(stats.statistics.find((s) => s.metric === "cod")).toMatchObject({
      max: 82.5,
      count: 1,
      flagged: 0,
    });
  });

  it("stores the good lines of a file with bad ones and reports each bad line; the same file again is stored once", async () => {
    const t = vietnamStamp(base + 5 * 60_000);
    const name = `TNI_DETMP_NT01_${t}.txt`;
    const lines = [
      `COD\t40\tmg/L\t${t}\t00`,
      `COD\tabc\tmg/L\t${t}\t00`,
      `Colour\t12\tPt-Co\t${t}\t00`,
      `TSS\t20\tmg/L\t${t}\t00`,
    ];
    await upload(name, lines);
    const file = await fileNamed(name, "partial");
    expect(file).toMatchObject({ acceptedLines: 2, refusedLines: 2 });
    expect(file.problems.map((p) => [p.line, p.reason])).toEqual([
      [2, "invalid_value"],
      [3, "unknown_parameter"],
    ]);
    expect(file.problems[0]?.message).toMatch(/^giá trị không phải là số/);
    const reasonFile = join(service.dataDir, "industrial", "archive", `${file.archivedAs}.reason.txt`);
    expect(await readFile(reasonFile, "utf8")).toMatch(/line 3: unknown_parameter/);

    await upload(name, lines);
    const again = await fileNamed(name, "rejected");
    expect(again.reason).toMatch(/^tệp đã được nhận trước đó/);
    const all = (await files()).filter((f) => f.name === name);
    expect(all.map((f) => f.outcome).sort()).toEqual(["partial", "rejected"]);
    const { values } = await api<{ values: Array<{ metric: string }> }>(
      `/industrial/stations/tn-ww-001/values?from=${base + 4 * 60_000}&to=${base + 6 * 60_000}`,
    );
    expect(values.map((v) => v.metric)).toEqual(["cod", "tss"]);
  });

  it("refuses garbage and a file no station sends, with the reason, and keeps them in rejected/", async () => {
    const t = vietnamStamp(base + 10 * 60_000);
    const garbage = `TNI_DETMP_NT01_${t}.txt`;
    await writeFile(
      join(local, garbage),
      Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 131 + 7) % 256)),
    );
    await curlUpload(ftp.port, join(local, garbage), garbage);
    const refused = await fileNamed(garbage, "rejected");
    expect(refused.reason).toMatch(/^không có dòng số liệu hợp lệ · no valid line/);
    expect(existsSync(join(service.dataDir, "industrial", "archive", `${refused.archivedAs}`))).toBe(true);

    await upload("notes.txt", ["hello"], "NT01");
    expect((await fileNamed("notes.txt", "rejected")).reason).toMatch(/^tên tệp không đúng mẫu/);
    await upload(`TNI_NOBODY_NT09_${t}.txt`, [`COD\t1\tmg/L\t${t}\t00`]);
    expect((await fileNamed(`TNI_NOBODY_NT09_${t}.txt`, "rejected")).reason).toMatch(/NOBODY\/NT09/);
  });

  it("does not read an upload in progress, however long it stalls, until vsftpd logs it complete", async () => {
    const t = vietnamStamp(base + 15 * 60_000);
    const name = `TNI_DETMP_NT01_${t}.txt`;
    const curl = curlUploadFromStdin(ftp.port, name);
    const exited = new Promise<number | null>((resolve) => curl.once("exit", resolve));
    curl.stdin?.write(`COD\t41\tmg/L\t${t}\t00\r\nTS`);
    await pollUntil("the first half to land", () => existsSync(join(ftp.inboxDir, name)) || undefined);
    // Far longer than the settle time: the size no longer changes, but the upload is not complete.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 4));
    expect((await files()).some((f) => f.name === name)).toBe(false);
    expect(await readdir(ftp.inboxDir)).toContain(name);
    curl.stdin?.end(`S\t22\tmg/L\t${t}\t00\r\n`);
    expect(await exited).toBe(0);
    const file = await fileNamed(name);
    expect(file).toMatchObject({ outcome: "accepted", acceptedLines: 2 });
  });

  it("shows the facility's stations, limits in force and today's completeness", async () => {
    const { facilities } = await api<{
      facilities: Array<{
        code: string;
        stations: Array<{ deviceId: string; limits: unknown[]; today: Record<string, unknown> }>;
      }>;
    }>("/industrial/facilities");
    const station = facilities[0]?.stations.find((s) => s.deviceId === "tn-ww-001");
    expect(facilities[0]?.code).toBe("DETMP");
    expect(station?.limits).toHaveLength(4);
    expect(station?.today).toMatchObject({
      filesExpected: expect.any(Number),
      exceedances: expect.any(Number),
    });
  });
});
