import { describe, expect, it } from "vitest";
import { DEMO_FACILITIES } from "../industrial/index.js";
import { judgeStationFile } from "../industrial/model/file-judgement.js";
import { stationFileText, vietnamStamp } from "./facility-datalogger.js";
import { createSeededRandom } from "./random.js";

describe("simulated facility datalogger", () => {
  it("writes files the intake accepts in full, with a calibration or fault now and then", () => {
    const at = Date.parse("2026-03-02T08:05:00+07:00");
    const random = createSeededRandom(7);
    const statuses = new Map<string, number>();
    for (const station of DEMO_FACILITIES.facilities[0]?.stations ?? []) {
      for (let k = 0; k < 200; k++) {
        const t = at + k * 300_000;
        const name = `TNI_DETMP_${station.code}_${vietnamStamp(t)}.txt`;
        const judged = judgeStationFile(
          { name, folders: [station.code], text: stationFileText(station, t, random) },
          DEMO_FACILITIES,
          t,
        );
        expect(judged.outcome, name).toBe("accepted");
        if (judged.outcome === "rejected") continue;
        expect(judged.resolved.station.deviceId).toBe(station.deviceId);
        for (const v of judged.values) statuses.set(v.status, (statuses.get(v.status) ?? 0) + 1);
      }
    }
    expect(statuses.get("measuring")).toBeGreaterThan(2500);
    expect(statuses.get("calibrating")).toBeGreaterThan(0);
    expect(statuses.get("error")).toBeGreaterThan(0);
    expect(vietnamStamp(at)).toBe("20260302080500");
  });
});
