import { describe, expect, it } from "vitest";
import {
  mosquittoAcl,
  mosquittoConfig,
  mosquittoPlainPasswords,
  type TelegrafConfigOptions,
  telegrafConfig,
  telegrafField,
} from "./peer-configs.js";

const telegrafOptions: TelegrafConfigOptions = {
  mqttServer: "tcp://127.0.0.1:1884",
  mqttUsername: "envmon-telegraf",
  mqttPassword: 'pa"ss\\word',
  clientId: "envmon-peers-telegraf",
  influxUrl: "http://127.0.0.1:8086",
  influxToken: "token",
  influxOrg: "envmon-test",
  influxBucket: "peers_telegraf_5000",
  metricBatchSize: 5000,
  maxUndeliveredMessages: 10_000,
  metricBufferLimit: 1_000_000,
  flushIntervalS: 1,
};

describe("mosquitto configuration", () => {
  const base = {
    port: 1884,
    passwordFile: "/tmp/x/passwords",
    aclFile: "/tmp/x/acl",
    maxInflightMessages: 10_000,
    maxQueuedMessages: 1_000_000,
  };

  it("listens on loopback, refuses anonymous clients, checks passwords and topics", () => {
    const lines = mosquittoConfig(base).split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "listener 1884 127.0.0.1",
        "allow_anonymous false",
        "password_file /tmp/x/passwords",
        "acl_file /tmp/x/acl",
        "persistence false",
        "max_inflight_messages 10000",
        "max_queued_messages 1000000",
      ]),
    );
    expect(lines.some((l) => l.startsWith("user "))).toBe(false);
    expect(mosquittoConfig({ ...base, user: "root" })).toContain("\nuser root\n");
  });

  it("refuses a path Mosquitto would cut at a blank or read as a comment", () => {
    expect(() => mosquittoConfig({ ...base, aclFile: "/tmp/my dir/acl" })).toThrow(/blank/);
  });

  it("lets each device use its own topics and the consumer read every device's readings", () => {
    const acl = mosquittoAcl("consumer");
    expect(acl).toContain("pattern readwrite sensors/%u/#\n");
    expect(acl).toContain("user consumer\ntopic read sensors/+/readings\n");
  });

  it("writes the plain-text password file mosquitto_passwd -U hashes", () => {
    expect(
      mosquittoPlainPasswords([
        ["load-00001", "s3cret:with:colons"],
        ["envmon-telegraf", "x"],
      ]),
    ).toBe("load-00001:s3cret:with:colons\nenvmon-telegraf:x\n");
    expect(() => mosquittoPlainPasswords([["a:b", "x"]])).toThrow(/username/);
    expect(() => mosquittoPlainPasswords([["a", "x\ny"]])).toThrow(/line break/);
  });
});

describe("telegraf configuration", () => {
  const config = telegrafConfig(telegrafOptions);

  it("consumes with QoS 1 in a persistent session and writes batches to InfluxDB", () => {
    expect(config).toContain("  qos = 1\n  persistent_session = true\n");
    expect(config).toContain('  client_id = "envmon-peers-telegraf"\n');
    expect(config).toContain("  metric_batch_size = 5000\n");
    expect(config).toContain("  max_undelivered_messages = 10000\n");
    expect(config).toContain('  flush_interval = "1s"\n');
    expect(config).toContain('[[outputs.influxdb_v2]]\n  urls = ["http://127.0.0.1:8086"]\n');
    expect(config).toContain('  bucket = "peers_telegraf_5000"\n');
  });

  it("keeps the devices' timestamps and takes the device id from the topic", () => {
    expect(config).toContain('  json_time_key = "ts"\n  json_time_format = "unix_ms"\n');
    expect(config).toContain('    topic = "sensors/+/readings"\n    tags = "_/device/_"\n');
    expect(config).toContain('  name_override = "readings"\n');
    expect(telegrafField("pm25")).toBe("values_pm25");
  });

  it("escapes strings as TOML basic strings", () => {
    expect(config).toContain('  password = "pa\\"ss\\\\word"\n');
  });

  it("refuses fewer undelivered messages than a batch (the batch would never fill)", () => {
    expect(() => telegrafConfig({ ...telegrafOptions, maxUndeliveredMessages: 1000 })).toThrow(
      /max_undelivered_messages/,
    );
  });
});
