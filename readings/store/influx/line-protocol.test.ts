import { describe, expect, it } from "vitest";
import {
  lineDeviceId,
  lineFieldNames,
  lineTimestamp,
  readingLines,
  seriesTags,
  tagValue,
} from "./line-protocol.js";

const NO_TAGS = { area: null, kind: null };
const T = Date.UTC(2026, 10, 21, 6, 30);

describe("line protocol of readings", () => {
  it("writes one line per device and time, fields in write order, tags sorted, ms timestamps", () => {
    const { lines, refused } = readingLines(
      [
        { deviceId: "tn-air-001", metric: "pm25", ts: T, value: 35.2 },
        { deviceId: "tn-air-001", metric: "temperature", ts: T, value: -1.5 },
        { deviceId: "tn-air-002", metric: "pm25", ts: T, value: 1e8 },
        { deviceId: "tn-air-001", metric: "pm25", ts: T + 1000, value: 0 },
      ],
      (id) => (id === "tn-air-001" ? { area: "25747", kind: "air" } : NO_TAGS),
    );
    expect(refused).toEqual([]);
    expect(lines).toEqual([
      `readings,area=25747,device=tn-air-001,kind=air pm25=35.2,temperature=-1.5 ${T}`,
      `readings,device=tn-air-002 pm25=100000000 ${T}`,
      `readings,area=25747,device=tn-air-001,kind=air pm25=0 ${T + 1000}`,
    ]);
  });

  it("keeps the last value when a batch repeats a device, metric and time", () => {
    const { lines } = readingLines(
      [
        { deviceId: "d1", metric: "o3", ts: T, value: 56 },
        { deviceId: "d1", metric: "no2", ts: T, value: 1 },
        { deviceId: "d1", metric: "o3", ts: T, value: 57 },
      ],
      () => NO_TAGS,
    );
    expect(lines).toEqual([`readings,device=d1 no2=1,o3=57 ${T}`]);
  });

  it("writes derived series as fields and refuses what could never be read back", () => {
    const { lines, refused } = readingLines(
      [
        { deviceId: "d1", metric: "idx:vn_aqi_1h:pm25", ts: T, value: 42 },
        { deviceId: "d 1", metric: "pm25", ts: T, value: 1 },
        { deviceId: "d1", metric: "pm25 x=1" as "pm25", ts: T, value: 1 },
        { deviceId: "d1", metric: "idx:a b" as "idx:a", ts: T, value: 1 },
        { deviceId: "d1", metric: "pm10", ts: T, value: Number.NaN },
        { deviceId: "d1", metric: "pm10", ts: T, value: Number.POSITIVE_INFINITY },
        { deviceId: "d1", metric: "pm10", ts: T + 0.5, value: 1 },
        { deviceId: "d1", metric: "pm10", ts: -1, value: 1 },
      ],
      () => NO_TAGS,
    );
    expect(lines).toEqual([`readings,device=d1 idx:vn_aqi_1h:pm25=42 ${T}`]);
    expect(refused.map((r) => r.problem)).toEqual([
      "invalid_device_id",
      "unknown_metric",
      "unknown_metric",
      "non_finite_value",
      "non_finite_value",
      "invalid_timestamp",
      "invalid_timestamp",
    ]);
  });

  it("escapes registry values in tags and cannot be broken by them", () => {
    expect(tagValue("Phường 1, Tây Ninh")).toBe("Phường\\ 1\\,\\ Tây\\ Ninh");
    expect(tagValue("a=b")).toBe("a\\=b");
    expect(tagValue("line\nbreak\\x")).toBe("line_break_x");
    const tags = seriesTags("d1", {
      area: "x y,device=evil kind=z",
      kind: "air\nreadings,device=d2 pm25=1 0",
    });
    const line = `readings${tags} pm25=1 ${T}`;
    expect(line.split("\n")).toHaveLength(1);
    expect(lineDeviceId(line)).toBe("d1");
    expect(lineFieldNames(line)).toEqual(["pm25"]);
    expect(lineTimestamp(line)).toBe(T);
  });

  it("reads back the device, fields and time of its own lines", () => {
    const line = `readings,area=a\\ b,device=tn-wq-004,kind=water_quality ph=7.25,do=6.1 ${T}`;
    expect(lineDeviceId(line)).toBe("tn-wq-004");
    expect(lineFieldNames(line)).toEqual(["ph", "do"]);
    expect(lineTimestamp(line)).toBe(T);
  });
});
