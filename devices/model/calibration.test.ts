import { describe, expect, it } from "vitest";
import type { Reading } from "../../kernel/reading.js";
import {
  admitReadings,
  type CalibrationPeriod,
  calibrate,
  calibrationAt,
  calibrationSchema,
  OPEN_INGEST_POLICY,
} from "./calibration.js";

const T0 = Date.UTC(2026, 10, 22, 1, 0, 0);
const reading = (metric: Reading["metric"], value: number, ts = T0): Reading => ({
  deviceId: "tn-air-001",
  metric,
  ts,
  value,
});

describe("calibration", () => {
  it("scales, then adds the offset, without binary noise in the result", () => {
    expect(calibrate(35.2, { offset: 0, scale: 1.02 })).toBe(35.904);
    expect(calibrate(31.4, { offset: -0.3, scale: 1 })).toBe(31.1);
    expect(calibrate(10, { offset: 0.5, scale: 2 })).toBe(20.5);
  });

  it("picks the calibration in force at the reading's time", () => {
    const history: CalibrationPeriod[] = [
      { appliedFrom: T0, calibration: { pm25: { offset: 1, scale: 1 } } },
      { appliedFrom: T0 + 1000, calibration: { pm25: { offset: 2, scale: 1 } } },
      { appliedFrom: T0 + 2000, calibration: null },
    ];
    expect(calibrationAt(history, T0 - 1)).toBeNull();
    expect(calibrationAt(history, T0)).toEqual({ pm25: { offset: 1, scale: 1 } });
    expect(calibrationAt(history, T0 + 999)).toEqual({ pm25: { offset: 1, scale: 1 } });
    expect(calibrationAt(history, T0 + 1000)).toEqual({ pm25: { offset: 2, scale: 1 } });
    expect(calibrationAt(history, T0 + 5000)).toBeNull();
    expect(calibrationAt([], T0)).toBeNull();
  });

  it("reads offset and scale with defaults, and refuses unknown metrics and useless scales", () => {
    expect(calibrationSchema.parse({ pm25: { scale: 1.1 }, temperature: { offset: -1 } })).toEqual({
      pm25: { offset: 0, scale: 1.1 },
      temperature: { offset: -1, scale: 1 },
    });
    const unknown = calibrationSchema.safeParse({ pm26: { offset: 1 } });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.message).toMatch(/^unknown metric 'pm26'/);
    expect(calibrationSchema.safeParse({ pm25: { scale: 0 } }).error?.issues[0]?.message).toBe(
      "scale must be greater than 0",
    );
    expect(calibrationSchema.safeParse({ pm25: { offset: "1" } }).success).toBe(false);
    expect(calibrationSchema.safeParse({ pm25: { offset: 1, gain: 2 } }).success).toBe(false);
  });

  it("lets an unregistered device send any catalogue metric, uncalibrated", () => {
    const readings = [reading("pm25", 35), reading("noise", 60)];
    expect(admitReadings(readings, OPEN_INGEST_POLICY)).toEqual({ readings, rejections: [] });
  });

  it("refuses metrics a registered device is not registered for, and calibrates the rest", () => {
    const result = admitReadings(
      [reading("pm25", 35.2), reading("noise", 60), reading("temperature", 31.4)],
      {
        allowedMetrics: new Set(["pm25", "temperature"]),
        calibrations: [{ appliedFrom: T0 - 1, calibration: { pm25: { offset: 0, scale: 1.02 } } }],
      },
    );
    expect(result.readings).toEqual([reading("pm25", 35.904), reading("temperature", 31.4)]);
    expect(result.rejections).toEqual([
      {
        reason: "metric_not_allowed",
        message: "tn-air-001 is not registered for 'noise'; registered metrics: pm25, temperature",
        metric: "noise",
        payload: JSON.stringify({ ts: T0, values: { noise: 60 } }),
        truncated: false,
      },
    ]);
  });

  it("refuses a value that calibration pushes outside the plausible range, keeping the raw value", () => {
    const result = admitReadings([reading("humidity", 98)], {
      allowedMetrics: new Set(["humidity"]),
      calibrations: [{ appliedFrom: T0, calibration: { humidity: { offset: 5, scale: 1 } } }],
    });
    expect(result.readings).toEqual([]);
    expect(result.rejections).toEqual([
      expect.objectContaining({
        reason: "out_of_range",
        metric: "humidity",
        message: "humidity: 103 % after calibration (98 × 1 + 5) is outside the plausible range 0–100 %",
        payload: JSON.stringify({ ts: T0, values: { humidity: 98 } }),
      }),
    ]);
  });

  it("calibrates a backlog with the calibration each reading's time fell under", () => {
    const result = admitReadings([reading("pm25", 10, T0 - 60_000), reading("pm25", 10, T0)], {
      allowedMetrics: new Set(["pm25"]),
      calibrations: [{ appliedFrom: T0, calibration: { pm25: { offset: 1, scale: 1 } } }],
    });
    expect(result.readings.map((r) => r.value)).toEqual([10, 11]);
  });
});
