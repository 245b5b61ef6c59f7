/** Every string the operator sees, Vietnamese first. Metric names come from the service catalogue. */

export const LANGUAGES = ["vi", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

const vi = {
  appTitle: "Trung tâm giám sát môi trường Tây Ninh",
  languageLabel: "Ngôn ngữ",
  clockLabel: "Giờ Việt Nam (UTC+7)",
  feedLabel: "Dữ liệu trực tiếp",
  feedConnecting: "Đang kết nối…",
  feedConnected: "Đã kết nối",
  feedDisconnected: "Mất kết nối",
  feedRejected: "Bị từ chối",
  loadError: "Không tải được dữ liệu từ máy chủ. Đang thử lại…",
  mapTitle: "Bản đồ trạm quan trắc",
  mapSketchNote:
    "Ranh giới tỉnh, hồ Dầu Tiếng và sông Vàm Cỏ Đông là hình vẽ phác gần đúng, chỉ để định hướng.",
  provinceName: "Tỉnh Tây Ninh",
  reservoirName: "Hồ Dầu Tiếng",
  riverName: "Sông Vàm Cỏ Đông",
  listTitle: "Danh sách trạm",
  listCaption: "Các trạm quan trắc và giá trị đo mới nhất",
  listEmpty: "Chưa có trạm nào.",
  columnStation: "Trạm",
  columnKind: "Loại trạm",
  columnArea: "Xã/phường",
  columnStatus: "Trạng thái",
  columnValues: "Giá trị mới nhất",
  columnUpdated: "Cập nhật",
  statusOnline: "Trực tuyến",
  statusOffline: "Ngoại tuyến",
  statusUnknown: "Chưa rõ",
  unregistered: "chưa đăng ký",
  notOnMap: "không có toạ độ",
  kindAir: "Không khí",
  kindWeather: "Khí tượng",
  kindNoise: "Tiếng ồn",
  kindWaterLevel: "Mực nước",
  kindWaterQuality: "Chất lượng nước",
  kindUnknown: "Không rõ",
  noValue: "—",
  chartTitle: "Diễn biến trong 1 giờ qua",
  chartMetric: "Thông số",
  chartHint: "Chọn một trạm trên bản đồ hoặc trong danh sách để xem biểu đồ.",
  chartLoading: "Đang tải…",
  chartEmpty: "Không có dữ liệu trong 1 giờ qua.",
  chartError: "Không tải được dữ liệu biểu đồ.",
  chartMeanNote: "Trung bình mỗi 30 giây",
  chartTimeAxis: "Giờ (UTC+7)",
};

export type MessageKey = keyof typeof vi;

const en: Record<MessageKey, string> = {
  appTitle: "Tây Ninh Environmental Monitoring Centre",
  languageLabel: "Language",
  clockLabel: "Viet Nam time (UTC+7)",
  feedLabel: "Live feed",
  feedConnecting: "Connecting…",
  feedConnected: "Connected",
  feedDisconnected: "Disconnected",
  feedRejected: "Rejected",
  loadError: "Could not load data from the server. Retrying…",
  mapTitle: "Station map",
  mapSketchNote:
    "The province outline, Dầu Tiếng reservoir and Vàm Cỏ Đông river are an approximate sketch, for orientation only.",
  provinceName: "Tây Ninh province",
  reservoirName: "Dầu Tiếng reservoir",
  riverName: "Vàm Cỏ Đông river",
  listTitle: "Stations",
  listCaption: "Monitoring stations and their latest values",
  listEmpty: "No stations yet.",
  columnStation: "Station",
  columnKind: "Type",
  columnArea: "Commune/ward",
  columnStatus: "Status",
  columnValues: "Latest values",
  columnUpdated: "Updated",
  statusOnline: "Online",
  statusOffline: "Offline",
  statusUnknown: "Unknown",
  unregistered: "unregistered",
  notOnMap: "no coordinates",
  kindAir: "Air quality",
  kindWeather: "Weather",
  kindNoise: "Noise",
  kindWaterLevel: "Water level",
  kindWaterQuality: "Water quality",
  kindUnknown: "Unknown",
  noValue: "—",
  chartTitle: "Last hour",
  chartMetric: "Parameter",
  chartHint: "Select a station on the map or in the list to see its chart.",
  chartLoading: "Loading…",
  chartEmpty: "No data in the last hour.",
  chartError: "Could not load chart data.",
  chartMeanNote: "30-second mean",
  chartTimeAxis: "Time (UTC+7)",
};

const MESSAGES: Record<Language, Record<MessageKey, string>> = { vi, en };

/** BCP 47 locale used for numbers and dates in each language. */
export const LOCALES: Record<Language, string> = { vi: "vi-VN", en: "en-GB" };

export const isLanguage = (value: unknown): value is Language =>
  typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);

export type Translate = (key: MessageKey) => string;

export const translator =
  (language: Language): Translate =>
  (key) =>
    MESSAGES[language][key];

const KIND_KEYS: Record<string, MessageKey> = {
  air: "kindAir",
  weather: "kindWeather",
  noise: "kindNoise",
  water_level: "kindWaterLevel",
  water_quality: "kindWaterQuality",
};

export const kindMessageKey = (kind: string | null): MessageKey =>
  (kind === null ? undefined : KIND_KEYS[kind]) ?? "kindUnknown";

const STATUS_KEYS = { online: "statusOnline", offline: "statusOffline", unknown: "statusUnknown" } as const;

export const statusMessageKey = (status: keyof typeof STATUS_KEYS): MessageKey => STATUS_KEYS[status];

const LANGUAGE_STORAGE_KEY = "tay-ninh-ops.language";

export interface LanguagePreference {
  get(): Language;
  set(language: Language): void;
}

/** The operator's language choice, remembered across reloads; Vietnamese unless they chose otherwise. */
export function createLanguagePreference(storage: Pick<Storage, "getItem" | "setItem">): LanguagePreference {
  return {
    get() {
      const stored = safely(() => storage.getItem(LANGUAGE_STORAGE_KEY));
      return isLanguage(stored) ? stored : "vi";
    },
    set(language) {
      safely(() => storage.setItem(LANGUAGE_STORAGE_KEY, language));
    },
  };
}

/** Storage can throw (private mode, disabled storage); the language then simply is not remembered. */
function safely<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch {
    return undefined;
  }
}

/** Fills every element carrying data-i18n="<key>" with the translated text. */
export function applyStaticTranslations(root: ParentNode, t: Translate): void {
  for (const element of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    const key = element.dataset.i18n;
    if (key !== undefined && key in vi) element.textContent = t(key as MessageKey);
  }
}
