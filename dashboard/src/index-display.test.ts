import { describe, expect, it } from "vitest";
import { aqiBandTop, cssRgb, textColourOn, VN_AQI_BANDS } from "./index-display.js";

describe("index display", () => {
  it("has the six VN_AQI bands with the decision's names, ranges and exact colours", () => {
    expect(
      VN_AQI_BANDS.map(({ from, to, category }) => [from, to, category.vi, category.en, category.rgb]),
    ).toEqual([
      [0, 50, "Tốt", "Good", [0, 228, 0]],
      [51, 100, "Trung bình", "Moderate", [255, 255, 0]],
      [101, 150, "Kém", "Poor", [255, 126, 0]],
      [151, 200, "Xấu", "Bad", [255, 0, 0]],
      [201, 300, "Rất xấu", "Very bad", [143, 63, 151]],
      [301, 500, "Nguy hại", "Hazardous", [126, 0, 35]],
    ]);
  });

  it("writes CSS colours and picks the more readable text colour", () => {
    expect(cssRgb([255, 126, 0])).toBe("rgb(255, 126, 0)");
    expect(textColourOn([255, 255, 0])).toBe("#000000");
    expect(textColourOn([0, 228, 0])).toBe("#000000");
    expect(textColourOn([143, 63, 151])).toBe("#ffffff");
    expect(textColourOn([126, 0, 35])).toBe("#ffffff");
  });

  it("finds the top of the band an AQI is in, for the chart's scale", () => {
    expect(aqiBandTop(0)).toBe(50);
    expect(aqiBandTop(50)).toBe(50);
    expect(aqiBandTop(51)).toBe(100);
    expect(aqiBandTop(180)).toBe(200);
    expect(aqiBandTop(500)).toBe(500);
  });
});
