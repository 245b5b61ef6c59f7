import { describe, expect, it } from "vitest";
import { residentAlertOrder } from "./resident-alerts.js";

const alert = (alertId: number, severity: "minor" | "major" | "critical", state: "active" | "cleared") => ({
  alertId,
  severity,
  state,
  metric: "flood_level",
  message: { vi: "", en: "" },
  at: "2026-12-06T09:00:00.000Z",
});

describe("residents' alert order", () => {
  it("lists active alerts before cleared ones, critical above major above minor, newest first", () => {
    const list = [
      alert(1, "critical", "cleared"),
      alert(2, "major", "active"),
      alert(3, "minor", "active"),
      alert(4, "critical", "active"),
      alert(5, "major", "active"),
    ];
    expect(list.sort(residentAlertOrder).map((a) => a.alertId)).toEqual([4, 5, 2, 3, 1]);
  });
});
