import { describe, expect, it } from "vitest";
import { csvField } from "./csv.js";

describe("csvField", () => {
  it("leaves plain text and numbers alone, quotes commas, quotes and line ends", () => {
    expect(csvField("tn-air-001")).toBe("tn-air-001");
    expect(csvField("-12.5")).toBe("-12.5");
    expect(csvField("Trạm 1, Tân Ninh")).toBe('"Trạm 1, Tân Ninh"');
    expect(csvField('Trạm "A"')).toBe('"Trạm ""A"""');
    expect(csvField("a\r\nb")).toBe('"a\r\nb"');
  });

  it("keeps what a spreadsheet would run as a formula as text", () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("+1+1")).toBe('"\'+1+1"');
    expect(csvField("@SUM(A1)")).toBe('"\'@SUM(A1)"');
    expect(csvField("-x")).toBe('"\'-x"');
  });
});
