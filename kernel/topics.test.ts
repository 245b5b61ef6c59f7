import { describe, expect, it } from "vitest";
import {
  DEVICE_ID_PATTERN,
  deviceTopic,
  isValidDeviceId,
  parseDeviceTopic,
  READINGS_SUBSCRIPTION,
  STATUS_SUBSCRIPTION,
} from "./topics.js";

const VALID_IDS = ["a", "7", "tn-air-001", "TN_WATER_07", "longan-wl-2", "x".repeat(64)];
const INVALID_IDS = [
  "",
  "-a",
  "_a",
  "x".repeat(65),
  "a/b",
  "a+b",
  "a#",
  "+",
  "#",
  "a b",
  " a",
  "a\n",
  "trạm-1",
  "a.b",
];

describe("isValidDeviceId", () => {
  it.each(VALID_IDS)("accepts %s", (id) => {
    expect(isValidDeviceId(id)).toBe(true);
    expect(DEVICE_ID_PATTERN.test(id)).toBe(true);
  });

  it.each(INVALID_IDS.map((id) => [JSON.stringify(id), id]))("refuses %s", (_label, id) => {
    expect(isValidDeviceId(id)).toBe(false);
  });
});

describe("deviceTopic", () => {
  it("builds the three topics of protocol v1", () => {
    expect(deviceTopic("tn-air-001", "readings")).toBe("sensors/tn-air-001/readings");
    expect(deviceTopic("tn-air-001", "status")).toBe("sensors/tn-air-001/status");
    expect(deviceTopic("tn-air-001", "errors")).toBe("sensors/tn-air-001/errors");
  });

  it("has subscriptions that match those topics", () => {
    expect(READINGS_SUBSCRIPTION).toBe("sensors/+/readings");
    expect(STATUS_SUBSCRIPTION).toBe("sensors/+/status");
  });
});

describe("parseDeviceTopic", () => {
  it.each(["readings", "status", "errors"] as const)("reads sensors/<id>/%s", (kind) => {
    for (const id of VALID_IDS) {
      expect(parseDeviceTopic(`sensors/${id}/${kind}`)).toEqual({ deviceId: id, kind });
      expect(parseDeviceTopic(deviceTopic(id, kind))).toEqual({ deviceId: id, kind });
    }
  });

  it.each([
    "",
    "sensors",
    "sensors/tn-air-001",
    "sensors/tn-air-001/",
    "sensors/tn-air-001/reading",
    "sensors/tn-air-001/READINGS",
    "sensors/tn-air-001/readings/extra",
    "sensor/tn-air-001/readings",
    "Sensors/tn-air-001/readings",
    "/sensors/tn-air-001/readings",
    "devices/tn-air-001/readings",
    "services/svc-ingest/drain",
  ])("returns null for %j", (topic) => {
    expect(parseDeviceTopic(topic)).toBeNull();
  });

  it("returns null when the device id is not valid", () => {
    const accepted = INVALID_IDS.filter((id) => !id.includes("/")).filter(
      (id) =>
        parseDeviceTopic(`sensors/${id}/readings`) !== null ||
        parseDeviceTopic(`sensors/${id}/status`) !== null,
    );
    expect(accepted).toEqual([]);
  });
});
