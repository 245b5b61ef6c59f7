/** MQTT over TLS with a certificate made for the test: mqtt.js and mosquitto_pub connect with its CA. */
import type { IPublishPacket } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCleanupList } from "../test/support/cleanup-list.js";
import { runCommand } from "../test/support/command-line-client.js";
import {
  connectClient,
  refusalCode,
  type SecuredBroker,
  startSecuredBroker,
} from "../test/support/secured-broker.js";
import {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
} from "../test/support/self-signed-certificate.js";
import { waitUntil } from "../test/support/wait-until.js";

const TEST_TIMEOUT_MS = 60_000;

describe("MQTT over TLS", () => {
  let certificate: SelfSignedCertificate;
  let secured: SecuredBroker;
  let tlsPort: number;
  let received: IPublishPacket[];
  const cleanups = createCleanupList();

  beforeAll(async () => {
    certificate = await createSelfSignedCertificate();
    secured = await startSecuredBroker({
      tls: { certFile: certificate.certFile, keyFile: certificate.keyFile },
    });
    tlsPort = await secured.broker.listenTls(0, "127.0.0.1");
    // The ingest stays on plain TCP, as in the service: TLS is for the outside.
    const ingest = await connectClient(secured.url, {
      clientId: "svc-ingest",
      username: "svc-ingest",
      password: secured.servicePassword,
    });
    cleanups.add(() => ingest.endAsync(true));
    received = [];
    ingest.on("message", (_topic, _payload, packet) => received.push(packet));
    await ingest.subscribeAsync("sensors/+/readings", { qos: 1 });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await cleanups.runAll();
    await secured?.close();
    await certificate?.remove();
  }, TEST_TIMEOUT_MS);

  const tlsUrl = () => `mqtts://127.0.0.1:${tlsPort}`;

  it(
    "serves mqtts to mqtt.js that trusts the certificate, with the same authentication",
    async () => {
      expect(secured.broker.isReady()).toBe(true);
      const secret = await secured.addDevice("tn-tls-1");
      const device = await connectClient(tlsUrl(), {
        clientId: "tn-tls-1",
        username: "tn-tls-1",
        password: secret,
        ca: certificate.cert,
      });
      cleanups.add(() => device.endAsync(true));
      await device.publishAsync("sensors/tn-tls-1/readings", '{"values":{"pm25":7}}', { qos: 1 });
      await waitUntil(
        "the reading over TLS",
        () => received.some((p) => p.topic === "sensors/tn-tls-1/readings") || undefined,
      );
      expect(
        await refusalCode(tlsUrl(), {
          clientId: "tn-tls-1",
          username: "tn-tls-1",
          password: "wrong",
          ca: certificate.cert,
        }),
      ).toBe(4);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "serves mosquitto_pub with --cafile",
    async () => {
      const secret = await secured.addDevice("tn-tls-2");
      const result = await runCommand("mosquitto_pub", [
        "-h",
        "127.0.0.1",
        "-p",
        String(tlsPort),
        "--cafile",
        certificate.certFile,
        "-i",
        "tn-tls-2",
        "-u",
        "tn-tls-2",
        "-P",
        secret,
        "-q",
        "1",
        "-t",
        "sensors/tn-tls-2/readings",
        "-m",
        '{"values":{"pm25":8}}',
      ]);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      await waitUntil(
        "mosquitto_pub's reading over TLS",
        () => received.some((p) => p.topic === "sensors/tn-tls-2/readings") || undefined,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "is refused by a client that does not trust the certificate, and refuses plain MQTT",
    async () => {
      const secret = await secured.addDevice("tn-tls-3");
      const options = { clientId: "tn-tls-3", username: "tn-tls-3", password: secret };
      await expect(connectClient(tlsUrl(), options)).rejects.toThrow(/self.signed|certificate/i);
      await expect(
        connectClient(`mqtt://127.0.0.1:${tlsPort}`, { ...options, connectTimeout: 3000 }),
      ).rejects.toThrow();
    },
    TEST_TIMEOUT_MS,
  );
});
