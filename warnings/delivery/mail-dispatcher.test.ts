/**
 * Warning e-mail end to end over a real SMTP server (the smtp-server package, started here) and
 * nodemailer: double opt-in, exactly one mail per confirmed subscriber and event, one-click
 * unsubscribe, retries when the relay refuses, the per-recipient limit.
 */
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { HOUR_MS, MINUTE_MS } from "../../kernel/time.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";
import { freePort } from "../../test/support/free-port.js";
import { waitUntil } from "../../test/support/wait-until.js";
import { createMailRepository, type MailRepository } from "../store/mail-repository.js";
import { createMailDispatcher, createSmtpTransport, type MailDispatcher } from "./mail-dispatcher.js";

const T0 = Date.UTC(2026, 11, 6, 2, 0, 0);
let now = T0;
const clock: Clock = { now: () => now };

interface Received {
  readonly to: string[];
  readonly raw: string;
}

describe("warning e-mail over SMTP", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let smtp: SMTPServer;
  let mail: MailRepository;
  let dispatcher: MailDispatcher;
  let agencyId: number;
  const received: Received[] = [];
  let refuse = false;

  beforeAll(async () => {
    const port = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          if (refuse) {
            callback(Object.assign(new Error("mailbox busy"), { responseCode: 451 }));
            return;
          }
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString("utf8"),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(port, "127.0.0.1", resolve));

    api = await openApiUnderTest(clock, "envmon-warning-mail-");
    await api.fixture.registry.register([
      {
        id: "tn-wl-001",
        name: "Trạm Tân Ninh",
        kind: "water_level",
        area: "tan-ninh",
        areaName: "Phường Tân Ninh",
        lat: 11.31,
        lon: 106.1,
        metrics: ["water_level"],
      },
      {
        id: "tn-wl-002",
        name: "Trạm Gò Dầu",
        kind: "water_level",
        area: "go-dau",
        areaName: "Phường Gò Dầu",
        lat: 11.08,
        lon: 106.26,
        metrics: ["water_level"],
      },
    ]);
    app = await api.server({ mailEnabled: true });
    mail = createMailRepository(api.fixture.metadata);
    const agency = await api.agencies.create({
      code: "kttv",
      name: { vi: "Đài KTTV tỉnh Tây Ninh" },
      hazards: ["flood"],
      communes: ["tan-ninh", "go-dau"],
      secondApproval: false,
    });
    if (!agency) throw new Error("no agency");
    agencyId = agency.id;
    await api.agencies.setMember(agencyId, "approver", "approver");
    dispatcher = createMailDispatcher(
      { from: "canhbao@tayninh.test", maxPerRecipientPerHour: 4, tickMs: 60_000 },
      {
        mail,
        warnings: api.warnings,
        agencies: api.agencies,
        communeNames: async () =>
          new Map([
            ["tan-ninh", "Phường Tân Ninh"],
            ["go-dau", "Phường Gò Dầu"],
          ]),
        transport: createSmtpTransport(`smtp://127.0.0.1:${port}`),
        clock,
        logger: pino({ level: "silent" }),
      },
    );
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await api?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  const subscribe = (email: string, communes: string[]) =>
    app.inject({ method: "POST", url: "/mail/subscriptions", payload: { email, communes } });
  /** The text of a mail as its reader sees it (quoted-printable or base64 undone). */
  function bodyOf(raw: string): string {
    const split = raw.indexOf("\r\n\r\n");
    const head = raw.slice(0, split);
    const body = raw.slice(split + 4);
    if (/Content-Transfer-Encoding: base64/i.test(head)) return Buffer.from(body, "base64").toString("utf8");
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  const tokenIn = (raw: string, path: string) =>
    new RegExp(`${path}\\?token=([A-Za-z0-9_-]{43})`).exec(bodyOf(raw))?.[1];
  const mailsTo = (address: string) => received.filter((m) => m.to.includes(address));

  async function publish(level: number, communes: string[]) {
    const drafted = await api.warnings.draft(
      agencyId,
      {
        hazard: "flood",
        level,
        concurrentRaise: 0,
        communes,
        headline: { vi: "Lũ trên sông Vàm Cỏ Đông", en: "Flood on the Vàm Cỏ Đông" },
        description: { vi: "Nước lên nhanh.", en: null },
        instruction: { vi: "Lên nơi cao.", en: null },
        onset: now,
        expires: now + 12 * HOUR_MS,
        references: [],
      } as never,
      "approver",
    );
    if (!drafted.ok) throw new Error(drafted.message);
    const published = await api.warnings.publish(drafted.warning.id, "approver");
    if (!published.ok) throw new Error(published.message);
    return drafted.warning.id;
  }

  it("mails only confirmed subscribers of the communes concerned, once, and stops after one click", async () => {
    for (const [email, communes] of [
      ["an@example.test", ["tan-ninh"]],
      ["binh@example.test", ["tan-ninh"]],
      ["chi@example.test", ["go-dau"]],
    ] as const) {
      const answer = await subscribe(email, [...communes]);
      expect(answer.statusCode, answer.body).toBe(202);
    }
    await dispatcher.run();
    expect(received.map((m) => m.to[0]).sort()).toEqual([
      "an@example.test",
      "binh@example.test",
      "chi@example.test",
    ]);
    // An and Chi confirm; Bình does not.
    for (const who of ["an@example.test", "chi@example.test"]) {
      const token = tokenIn(mailsTo(who)[0]?.raw ?? "", "/mail/confirm");
      expect(token, who).toBeDefined();
      const confirmed = await app.inject({ method: "GET", url: `/mail/confirm?token=${token}` });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.body).toContain("Đã xác nhận");
    }
    received.length = 0;

    const id = await publish(3, ["tan-ninh"]);
    await dispatcher.run();
    await dispatcher.run();
    expect(received.map((m) => m.to)).toEqual([["an@example.test"]]);
    const raw = received[0]?.raw ?? "";
    expect(raw).toMatch(/List-Unsubscribe:\s+<http:\/\/localhost(:\d+)?\/mail\/unsubscribe\?token=/);
    expect(bodyOf(raw)).toContain("Lũ – Cấp độ 3 – rủi ro lớn (màu da cam)");
    expect(bodyOf(raw)).toContain("Địa bàn: Phường Tân Ninh");
    expect(raw).toMatch(/Subject: =\?UTF-8\?/);
    const outbox = await mail.outbox();
    expect(outbox.filter((m) => m.eventId !== null)).toHaveLength(1);

    // One click, and the update that follows reaches nobody.
    const leave = await app.inject({
      method: "GET",
      url: `/mail/unsubscribe?token=${tokenIn(raw, "/mail/unsubscribe")}`,
    });
    expect(leave.statusCode).toBe(200);
    received.length = 0;
    const warning = await api.warnings.get(id);
    if (!warning) throw new Error("gone");
    expect((await api.warnings.cancel(id, "approver")).ok).toBe(true);
    await dispatcher.run();
    expect(received).toEqual([]);
  });

  it("answers a subscription the same whoever asks, and refuses garbage", async () => {
    const again = await subscribe("chi@example.test", ["tan-ninh"]);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual((await subscribe("new@example.test", ["tan-ninh"])).json());
    for (const payload of [
      { email: "not-an-address", communes: ["tan-ninh"] },
      { email: "x@example.test", communes: [] },
      { email: "x@example.test", communes: ["vung-tau"] },
      { email: "x@example.test", communes: ["tan-ninh"], admin: true },
    ]) {
      const answer = await app.inject({ method: "POST", url: "/mail/subscriptions", payload });
      expect(answer.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await app.inject({ method: "GET", url: "/mail/confirm?token=short" })).statusCode).toBe(400);
    expect(
      (await app.inject({ method: "GET", url: `/mail/confirm?token=${"A".repeat(43)}` })).statusCode,
    ).toBe(404);
    // A confirmed address keeps its communes: Chi still follows Gò Dầu only.
    await dispatcher.run();
    received.length = 0;
    await publish(2, ["go-dau"]);
    await dispatcher.run();
    expect(received.map((m) => m.to[0])).toEqual(["chi@example.test"]);
  });

  it("keeps a mail the relay refused and sends it on a later try, within the per-recipient limit", async () => {
    received.length = 0;
    refuse = true;
    await publish(4, ["go-dau"]);
    await dispatcher.run();
    expect(received).toEqual([]);
    const pending = (await mail.outbox()).filter((m) => m.state === "pending" && m.attempts === 1);
    expect(pending).toHaveLength(1);
    refuse = false;
    await dispatcher.run();
    expect(received).toEqual([]); // not due yet
    now += MINUTE_MS;
    await dispatcher.run();
    expect(received.map((m) => m.to[0])).toEqual(["chi@example.test"]);

    // Chi has had 4 mails this hour (confirmation, "already subscribed", two warnings): the next waits, and goes once the hour has moved on.
    received.length = 0;
    await publish(1, ["go-dau"]);
    await dispatcher.run();
    expect(received).toEqual([]);
    now += HOUR_MS;
    await waitUntil("the held mail goes out", async () => {
      await dispatcher.run();
      return received.length === 1;
    });
  });
});
