/**
 * Hazard types an agency may warn about: the natural disasters of Decision 18/2021/QĐ-TTg that
 * concern Tây Ninh, and the environmental episodes of the monitoring network (pollution, a
 * reservoir release). Each with its names and its CAP category.
 */

export const HAZARD_TYPES = [
  "flood",
  "inundation",
  "flash_flood",
  "heavy_rain",
  "storm",
  "thunderstorm",
  "heat",
  "drought",
  "saltwater_intrusion",
  "landslide",
  "forest_fire",
  "reservoir_release",
  "air_pollution",
  "water_pollution",
] as const;
export type HazardType = (typeof HAZARD_TYPES)[number];

export type CapCategory = "Geo" | "Met" | "Safety" | "Fire" | "Health" | "Env" | "Infra";

export interface HazardInfo {
  readonly name: { readonly vi: string; readonly en: string };
  readonly capCategories: readonly CapCategory[];
}

export const HAZARD_INFO: Readonly<Record<HazardType, HazardInfo>> = {
  flood: { name: { vi: "Lũ", en: "Flood" }, capCategories: ["Met"] },
  inundation: { name: { vi: "Ngập lụt", en: "Inundation" }, capCategories: ["Met"] },
  flash_flood: { name: { vi: "Lũ quét", en: "Flash flood" }, capCategories: ["Met", "Geo"] },
  heavy_rain: { name: { vi: "Mưa lớn", en: "Heavy rain" }, capCategories: ["Met"] },
  storm: { name: { vi: "Bão, áp thấp nhiệt đới", en: "Storm, tropical depression" }, capCategories: ["Met"] },
  thunderstorm: {
    name: { vi: "Dông, lốc, sét, mưa đá", en: "Thunderstorm, whirlwind, lightning, hail" },
    capCategories: ["Met"],
  },
  heat: { name: { vi: "Nắng nóng", en: "Heat wave" }, capCategories: ["Met", "Health"] },
  drought: { name: { vi: "Hạn hán", en: "Drought" }, capCategories: ["Met", "Env"] },
  saltwater_intrusion: { name: { vi: "Xâm nhập mặn", en: "Saltwater intrusion" }, capCategories: ["Env"] },
  landslide: { name: { vi: "Sạt lở đất", en: "Landslide" }, capCategories: ["Geo"] },
  forest_fire: { name: { vi: "Cháy rừng", en: "Forest fire" }, capCategories: ["Fire"] },
  reservoir_release: {
    name: { vi: "Xả lũ hồ chứa", en: "Reservoir release" },
    capCategories: ["Infra", "Met"],
  },
  air_pollution: { name: { vi: "Ô nhiễm không khí", en: "Air pollution" }, capCategories: ["Env", "Health"] },
  water_pollution: { name: { vi: "Ô nhiễm nguồn nước", en: "Water pollution" }, capCategories: ["Env"] },
};
