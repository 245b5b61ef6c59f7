/**
 * What a resident should do when an alert concerns them, by hazard: the alert's subject (a
 * catalogue metric, aqi or flood_level) and its severity. Pure; shared by the residents' page and
 * anyone who words alerts. Our own wording, reviewed against the usual public-health and
 * disaster-prevention advice; not quoted from any text.
 */

export interface Advice {
  readonly vi: string;
  readonly en: string;
}

export type Hazard = "flood" | "air" | "water" | "noise" | "heat";

const HAZARD_OF: Readonly<Record<string, Hazard>> = {
  flood_level: "flood",
  water_level: "flood",
  rainfall: "flood",
  aqi: "air",
  pm25: "air",
  pm10: "air",
  o3: "air",
  no2: "air",
  so2: "air",
  co: "air",
  ph: "water",
  do: "water",
  turbidity: "water",
  conductivity: "water",
  cod: "water",
  bod5: "water",
  nh4: "water",
  no3: "water",
  po4: "water",
  coliform: "water",
  noise: "noise",
  temperature: "heat",
};

const ADVICE: Readonly<Record<Hazard, { readonly usual: Advice; readonly critical: Advice }>> = {
  flood: {
    usual: {
      vi: "Theo dõi thông báo của chính quyền địa phương; kê cao hoặc chuyển đồ đạc, lương thực lên chỗ cao; không cho trẻ em chơi gần sông, kênh.",
      en: "Follow the local authorities' announcements; raise or move belongings and food to higher ground; keep children away from rivers and canals.",
    },
    critical: {
      vi: "Sẵn sàng sơ tán theo hướng dẫn của chính quyền; tránh xa bờ sông và vùng trũng; không đi qua dòng nước chảy xiết hoặc ngầm, tràn.",
      en: "Be ready to evacuate when the authorities say so; stay away from river banks and low ground; never cross fast-flowing water or flooded fords.",
    },
  },
  air: {
    usual: {
      vi: "Hạn chế hoạt động mạnh ngoài trời; người cao tuổi, trẻ em, phụ nữ mang thai và người mắc bệnh hô hấp, tim mạch nên ở trong nhà.",
      en: "Cut down strenuous activity outdoors; older people, children, pregnant women and people with lung or heart disease should stay indoors.",
    },
    critical: {
      vi: "Mọi người ở trong nhà, đóng cửa sổ; nếu phải ra ngoài hãy đeo khẩu trang lọc bụi mịn (N95 hoặc tương đương); đi khám nếu khó thở, tức ngực.",
      en: "Everyone should stay indoors with windows closed; if you must go out, wear a fine-particle mask (N95 or equivalent); see a doctor if breathing gets hard or the chest feels tight.",
    },
  },
  water: {
    usual: {
      vi: "Không dùng nước sông, kênh, hồ tại khu vực này để ăn uống, tắm giặt hay tưới rau; dùng nước máy hoặc nước đã xử lý.",
      en: "Do not use river, canal or lake water here for drinking, washing or watering vegetables; use tap water or treated water.",
    },
    critical: {
      vi: "Ngừng lấy nước và đánh bắt, nuôi thả thủy sản tại khu vực này cho đến khi có thông báo mới; báo chính quyền nếu thấy cá chết hoặc nước đổi màu, có mùi.",
      en: "Stop drawing water, fishing and fish farming here until further notice; tell the authorities if you see dead fish or water that is discoloured or smells.",
    },
  },
  noise: {
    usual: {
      vi: "Đóng cửa, hạn chế ở gần nguồn ồn; phản ánh với chính quyền địa phương nếu tiếng ồn kéo dài.",
      en: "Close doors and windows and keep away from the source; report it to the local authorities if it goes on.",
    },
    critical: {
      vi: "Tránh xa khu vực ồn; bảo vệ tai cho trẻ nhỏ; phản ánh ngay với chính quyền địa phương.",
      en: "Keep away from the noisy area; protect small children's ears; report it to the local authorities now.",
    },
  },
  heat: {
    usual: {
      vi: "Uống đủ nước, tránh ra nắng từ 11 đến 15 giờ; để ý người cao tuổi và trẻ em.",
      en: "Drink enough water and stay out of the sun from 11:00 to 15:00; look after older people and children.",
    },
    critical: {
      vi: "Ở nơi mát, uống nước thường xuyên; gọi cấp cứu 115 nếu có người chóng mặt, lú lẫn hoặc ngất do nóng.",
      en: "Stay somewhere cool and drink often; call 115 if someone becomes dizzy, confused or faints from the heat.",
    },
  },
};

export function hazardOf(subject: string): Hazard | null {
  return HAZARD_OF[subject] ?? null;
}

/** Advice for an alert on `subject`; null for a subject residents need no advice on (a station's silence). */
export function hazardAdvice(subject: string, severity: "minor" | "major" | "critical"): Advice | null {
  const hazard = hazardOf(subject);
  if (hazard === null) return null;
  return severity === "critical" ? ADVICE[hazard].critical : ADVICE[hazard].usual;
}
