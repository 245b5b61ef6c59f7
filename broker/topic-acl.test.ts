import { describe, expect, it } from "vitest";
import {
  type BrokerIdentity,
  identify,
  isTopicAllowed,
  mayRetain,
  type TopicAction,
  topicMatches,
} from "./topic-acl.js";

const device: BrokerIdentity = { kind: "device", deviceId: "tn-air-001" };
const ingest: BrokerIdentity = { kind: "service", role: "ingest", clientId: "svc-ingest" };
const feed: BrokerIdentity = { kind: "service", role: "feed", clientId: "svc-feed-1a2b" };

describe("identify", () => {
  it.each([
    ["tn-air-001", "tn-air-001", { ok: true, identity: device }],
    ["svc-ingest", "svc-ingest", { ok: true, identity: ingest }],
    [
      "svc-ingest-worker-2",
      "svc-ingest-worker-2",
      { ok: true, identity: { ...ingest, clientId: "svc-ingest-worker-2" } },
    ],
    ["svc-feed-1a2b", "svc-feed-1a2b", { ok: true, identity: feed }],
    ["tn-air-001", "tn-air-002", { ok: false, reason: "client_id_mismatch" }],
    ["svc-admin", "svc-admin", { ok: false, reason: "unknown_service" }],
    ["svc-ingest/x", "svc-ingest/x", { ok: false, reason: "invalid_client_id" }],
    ["svc-ingest+", "svc-ingest+", { ok: false, reason: "invalid_client_id" }],
    ["sensors/x", "sensors/x", { ok: false, reason: "invalid_client_id" }],
    ["#", "#", { ok: false, reason: "invalid_client_id" }],
    ["", "", { ok: false, reason: "invalid_client_id" }],
  ])("client id %j with username %j", (clientId, username, expected) => {
    expect(identify(clientId, username, "svc-")).toEqual(expected);
  });
});

describe("topic rules", () => {
  const cases: Array<[BrokerIdentity, TopicAction, string, boolean]> = [
    [device, "publish", "sensors/tn-air-001/readings", true],
    [device, "publish", "sensors/tn-air-001/status", true],
    [device, "publish", "sensors/tn-air-001/errors", false],
    [device, "publish", "sensors/tn-air-002/readings", false],
    [device, "publish", "sensors/tn-air-001/readings/extra", false],
    [device, "publish", "sensors/tn-air-001", false],
    [device, "publish", "services/readings/stored", false],
    [device, "subscribe", "sensors/tn-air-001/errors", true],
    [device, "subscribe", "sensors/tn-air-001/+", false],
    [device, "subscribe", "sensors/+/errors", false],
    [device, "subscribe", "sensors/tn-air-002/errors", false],
    [device, "subscribe", "#", false],
    [device, "subscribe", "$SYS/#", false],
    [device, "receive", "sensors/tn-air-001/errors", true],
    [device, "receive", "sensors/tn-air-002/errors", false],
    [ingest, "subscribe", "sensors/+/readings", true],
    [ingest, "subscribe", "sensors/+/status", true],
    [ingest, "subscribe", "services/svc-ingest/drain", true],
    [ingest, "subscribe", "services/svc-ingest-other/drain", false],
    [ingest, "subscribe", "sensors/#", false],
    [ingest, "subscribe", "sensors/+/errors", false],
    [ingest, "subscribe", "#", false],
    [ingest, "receive", "sensors/tn-air-001/readings", true],
    [ingest, "receive", "sensors/tn-air-001/errors", false],
    [ingest, "publish", "sensors/tn-air-001/errors", true],
    [ingest, "publish", "sensors/not valid/errors", false],
    [ingest, "publish", "sensors/tn-air-001/readings", false],
    [ingest, "publish", "sensors/tn-air-001/status", false],
    [ingest, "publish", "services/svc-ingest/drain", true],
    [ingest, "publish", "services/svc-ingest-2/drain", false],
    [feed, "publish", "services/readings/stored", true],
    [feed, "subscribe", "services/readings/stored", true],
    [feed, "receive", "services/readings/stored", true],
    [feed, "subscribe", "services/#", false],
    [feed, "publish", "sensors/tn-air-001/readings", false],
    [feed, "publish", "sensors/tn-air-001/errors", false],
  ];
  it.each(cases)("%o may %s %s: %s", (identity, action, topic, allowed) => {
    expect(isTopicAllowed(identity, action, topic)).toBe(allowed);
  });
});

describe("mayRetain", () => {
  it.each([
    ["sensors/tn-air-001/readings", false],
    ["sensors/not valid/readings", false],
    ["sensors/tn-air-001/status", true],
    ["sensors/tn-air-001/errors", true],
    ["sensors/tn-air-001/readings/extra", true],
    ["services/readings/stored", true],
  ])("a retained publish to %s: %s", (topic, allowed) => {
    expect(mayRetain(topic)).toBe(allowed);
  });
});

describe("topicMatches", () => {
  it.each([
    ["sensors/+/readings", "sensors/a/readings", true],
    ["sensors/+/readings", "sensors/a/status", false],
    ["sensors/+/readings", "sensors/a/readings/x", false],
    ["sensors/#", "sensors", true],
    ["sensors/#", "sensors/a/b", true],
    ["#", "$SYS/broker/x", false],
    ["+/broker/x", "$SYS/broker/x", false],
    ["$SYS/#", "$SYS/broker/x", true],
  ])("%s matches %s: %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
