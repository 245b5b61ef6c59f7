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
  kindWastewater: "Nước thải công nghiệp",
  kindStackEmission: "Khí thải ống khói",
  kindUnknown: "Không rõ",
  noValue: "—",
  chartTitle: "Diễn biến",
  rangeLabel: "Khoảng thời gian",
  range1h: "1 giờ qua (trực tiếp)",
  range24h: "24 giờ qua",
  range7d: "7 ngày qua",
  range30d: "30 ngày qua",
  range1y: "1 năm qua",
  rangeCustom: "Tùy chọn…",
  rangeFrom: "Từ",
  rangeTo: "Đến",
  rangeInvalid: "Khoảng thời gian không hợp lệ (đến sau từ, tối đa 366 ngày).",
  exportCsv: "Tải CSV",
  exportFailed: "Không tải được tệp CSV.",
  chartTruncated: "Chỉ hiện 10 000 điểm đầu",
  chartMetric: "Thông số",
  chartHint: "Chọn một trạm trên bản đồ hoặc trong danh sách để xem biểu đồ.",
  chartLoading: "Đang tải…",
  chartEmpty: "Không có dữ liệu trong khoảng thời gian này.",
  chartError: "Không tải được dữ liệu biểu đồ.",
  chartMeanNote: "Giá trị trung bình mỗi",
  chartTimeAxis: "Giờ (UTC+7)",
  columnIndex: "Chỉ số",
  aqiLegendTitle: "Chỉ số chất lượng không khí VN_AQI",
  floodLegendTitle: "Cấp báo động lũ",
  statusLegendTitle: "Viền: trạng thái kết nối",
  aqiNotYet: "Chưa có AQI",
  sortLabel: "Sắp xếp",
  sortWorst: "Xấu nhất trước",
  sortAqi: "AQI cao nhất",
  sortWqi: "WQI thấp nhất",
  sortFlood: "Mức báo động lũ",
  sortName: "Tên trạm",
  sortKind: "Loại trạm",
  sortArea: "Xã/phường",
  sortStatus: "Trạng thái (ngoại tuyến trước)",
  filterSearch: "Tìm trạm",
  filterKind: "Loại trạm",
  filterArea: "Xã/phường",
  filterStatus: "Trạng thái",
  filterAll: "Tất cả",
  stationsUnit: "trạm",
  moreMetrics: "thông số khác: chọn trạm để xem",
  attentionTitle: "Cần chú ý",
  attentionNone: "Không có trạm nào ở mức báo động lũ, AQI Rất xấu/Nguy hại hoặc WQI Kém/Ô nhiễm rất nặng.",
  aqiPending: "Đang chờ AQI, giá trị đầu tiên khoảng",
  aqiPendingNoData: "Đang chờ AQI: chưa nhận được số liệu bụi",
  aqiPendingNote: "AQI giờ cần ít nhất 2 giờ số liệu đủ.",
  kindLegendTitle: "Hình dạng: loại trạm",
  wqiLabel: "WQI",
  aqiDominant: "Chất ô nhiễm chính",
  aqiHour: "Giờ",
  adviceGeneral: "Người dân",
  adviceSensitive: "Nhóm nhạy cảm",
  adviceSensitiveWho: "người cao tuổi, trẻ em, người mắc bệnh hô hấp hoặc tim mạch",
  floodNoData: "Chưa có số liệu mực nước",
  floodNoThresholds: "Chưa đặt mức báo động",
  floodWaterLevel: "Mực nước",
  floodThresholds: "Mức báo động I / II / III",
  floodSuspect: "Giá trị bất thường, chờ lần đo sau xác nhận",
  metres: "m",
  aqiChartTitle: "AQI theo giờ trong 48 giờ qua",
  aqiChartHint: "Chọn một trạm không khí để xem AQI theo giờ.",
  aqiChartNotAir: "Trạm này không đo chất lượng không khí.",
  aqiChartEmpty: "Chưa có AQI giờ nào trong 48 giờ qua.",
  aqiChartError: "Không tải được AQI.",
  aqiChartSeries: "AQI giờ",
  pollutantPm25: "Bụi mịn PM2.5",
  pollutantPm10: "Bụi PM10",
  pollutantO3: "Ôzôn (O₃)",
  pollutantNo2: "Nitơ điôxít (NO₂)",
  pollutantSo2: "Lưu huỳnh điôxít (SO₂)",
  pollutantCo: "Cacbon monoxit (CO)",
  residentTitle: "Không khí và mực nước nơi bạn sống",
  residentSubtitle: "Tỉnh Tây Ninh · số liệu quan trắc tự động, cập nhật mỗi giờ",
  residentAreaLabel: "Xã/phường của bạn",
  residentAreaPrompt: "— Chọn xã/phường —",
  residentChooseArea: "Chọn xã/phường để xem chất lượng không khí và mực nước.",
  residentAirTitle: "Chất lượng không khí",
  residentFloodTitle: "Mực nước và báo động lũ",
  residentNoAir: "Xã/phường này chưa có trạm quan trắc không khí.",
  residentNoFlood: "Xã/phường này không có trạm đo mực nước.",
  residentLoading: "Đang tải…",
  residentLoadError: "Không tải được số liệu. Đang thử lại…",
  residentUpdated: "Cập nhật",
  residentLegendTitle: "Chú giải màu",
  residentOpenDataLink: "Dữ liệu mở cho lập trình viên",
  alertsTitle: "Cảnh báo",
  alertsEmpty: "Không có cảnh báo nào đang hoạt động.",
  facilitiesTitle: "Cơ sở gửi số liệu tự động hôm nay",
  facilitiesCaption: "Tỷ lệ tệp nhận được so với số tệp phải gửi và số giá trị vượt giới hạn cho phép",
  facilityStation: "Trạm",
  facilityCompleteness: "Đầy đủ",
  facilityExceedances: "Vượt",
  facilityCompletenessHint: "Tệp nhận được / tệp phải gửi trong ngày (mỗi 5 phút một tệp)",
  facilityExceedancesHint: "Số giá trị đo vượt giới hạn của giấy phép môi trường hôm nay",
  alertsError: "Không tải được danh sách cảnh báo.",
  alertAcknowledge: "Xác nhận",
  alertResolve: "Kết thúc",
  alertComment: "Ghi chú (không bắt buộc)",
  alertActionFailed: "Không thực hiện được",
  alertStateActive: "Đang diễn ra",
  alertStateCleared: "Đã hết",
  alertAcknowledged: "Đã xác nhận",
  alertAcknowledgedBy: "Xác nhận bởi",
  alertUnacknowledged: "Chưa xác nhận",
  alertReminder: "Nhắc lại",
  severityMinor: "Nhẹ",
  severityMajor: "Nghiêm trọng",
  severityCritical: "Khẩn cấp",
  residentAlertsTitle: "Cảnh báo cho xã/phường của bạn",
  residentWarningsTitle: "Cảnh báo thiên tai, môi trường của cơ quan chức năng",
  residentNoAlerts: "Hiện không có cảnh báo nào cho xã/phường này.",
  residentAlertAdvice: "Nên làm",
  loginTitle: "Đăng nhập",
  loginUsername: "Tên đăng nhập",
  loginPassword: "Mật khẩu",
  loginSubmit: "Đăng nhập",
  loginRefused: "Sai tên đăng nhập hoặc mật khẩu.",
  loginFailed: "Không đăng nhập được",
  logout: "Đăng xuất",
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
  kindWastewater: "Industrial wastewater",
  kindStackEmission: "Stack emissions",
  kindUnknown: "Unknown",
  noValue: "—",
  chartTitle: "History",
  rangeLabel: "Time range",
  range1h: "Last hour (live)",
  range24h: "Last 24 hours",
  range7d: "Last 7 days",
  range30d: "Last 30 days",
  range1y: "Last year",
  rangeCustom: "Custom…",
  rangeFrom: "From",
  rangeTo: "To",
  rangeInvalid: "Invalid time range (the end after the start, at most 366 days).",
  exportCsv: "Download CSV",
  exportFailed: "The CSV file could not be downloaded.",
  chartTruncated: "Only the first 10,000 points are shown",
  chartMetric: "Parameter",
  chartHint: "Select a station on the map or in the list to see its chart.",
  chartLoading: "Loading…",
  chartEmpty: "No data in this time range.",
  chartError: "Could not load chart data.",
  chartMeanNote: "Mean of every",
  chartTimeAxis: "Time (UTC+7)",
  columnIndex: "Index",
  aqiLegendTitle: "Air quality index VN_AQI",
  floodLegendTitle: "Flood alarm levels",
  statusLegendTitle: "Outline: connection status",
  aqiNotYet: "No AQI yet",
  sortLabel: "Sort by",
  sortWorst: "Worst first",
  sortAqi: "Highest AQI",
  sortWqi: "Lowest WQI",
  sortFlood: "Flood alarm level",
  sortName: "Station name",
  sortKind: "Type",
  sortArea: "Commune/ward",
  sortStatus: "Status (offline first)",
  filterSearch: "Find a station",
  filterKind: "Type",
  filterArea: "Commune/ward",
  filterStatus: "Status",
  filterAll: "All",
  stationsUnit: "stations",
  moreMetrics: "more values: select the station to see them",
  attentionTitle: "Needs attention",
  attentionNone:
    "No station at a flood alarm, an AQI of Very bad/Hazardous or a WQI of Bad/Heavily polluted.",
  aqiPending: "AQI pending, first value about",
  aqiPendingNoData: "AQI pending: no particulate readings received yet",
  aqiPendingNote: "An hourly AQI needs at least 2 complete hours of data.",
  kindLegendTitle: "Shape: station type",
  wqiLabel: "WQI",
  aqiDominant: "Main pollutant",
  aqiHour: "Hour",
  adviceGeneral: "Everyone",
  adviceSensitive: "Sensitive groups",
  adviceSensitiveWho: "older people, children, people with respiratory or heart disease",
  floodNoData: "No water level data yet",
  floodNoThresholds: "No alarm levels set",
  floodWaterLevel: "Water level",
  floodThresholds: "Alarm levels I / II / III",
  floodSuspect: "Implausible value, waiting for the next reading to confirm it",
  metres: "m",
  aqiChartTitle: "Hourly AQI, last 48 hours",
  aqiChartHint: "Select an air quality station to see its hourly AQI.",
  aqiChartNotAir: "This station does not measure air quality.",
  aqiChartEmpty: "No hourly AQI in the last 48 hours yet.",
  aqiChartError: "Could not load the AQI.",
  aqiChartSeries: "Hourly AQI",
  pollutantPm25: "Fine particles PM2.5",
  pollutantPm10: "Particles PM10",
  pollutantO3: "Ozone (O₃)",
  pollutantNo2: "Nitrogen dioxide (NO₂)",
  pollutantSo2: "Sulphur dioxide (SO₂)",
  pollutantCo: "Carbon monoxide (CO)",
  residentTitle: "Air and water levels where you live",
  residentSubtitle: "Tây Ninh province · automatic monitoring, updated every hour",
  residentAreaLabel: "Your commune or ward",
  residentAreaPrompt: "— Choose a commune or ward —",
  residentChooseArea: "Choose your commune or ward to see its air quality and water levels.",
  residentAirTitle: "Air quality",
  residentFloodTitle: "Water levels and flood alarms",
  residentNoAir: "There is no air quality station in this commune or ward yet.",
  residentNoFlood: "There is no water level station in this commune or ward.",
  residentLoading: "Loading…",
  residentLoadError: "Could not load the data. Retrying…",
  residentUpdated: "Updated",
  residentLegendTitle: "Colour key",
  residentOpenDataLink: "Open data for developers",
  alertsTitle: "Alerts",
  alertsEmpty: "No active alerts.",
  facilitiesTitle: "Facilities reporting by file today",
  facilitiesCaption: "Files received against files due, and values beyond the permitted limits",
  facilityStation: "Station",
  facilityCompleteness: "Complete",
  facilityExceedances: "Over",
  facilityCompletenessHint: "Files received / files due today (one every 5 minutes)",
  facilityExceedancesHint: "Measured values beyond the environmental permit's limits today",
  alertsError: "Could not load the alerts.",
  alertAcknowledge: "Acknowledge",
  alertResolve: "Resolve",
  alertComment: "Comment (optional)",
  alertActionFailed: "Could not do that",
  alertStateActive: "Active",
  alertStateCleared: "Cleared",
  alertAcknowledged: "Acknowledged",
  alertAcknowledgedBy: "Acknowledged by",
  alertUnacknowledged: "Not acknowledged",
  alertReminder: "Reminder",
  severityMinor: "Minor",
  severityMajor: "Major",
  severityCritical: "Critical",
  residentAlertsTitle: "Alerts for your commune or ward",
  residentWarningsTitle: "Warnings from the competent agencies",
  residentNoAlerts: "There are no alerts for this commune or ward right now.",
  residentAlertAdvice: "What to do",
  loginTitle: "Log in",
  loginUsername: "Username",
  loginPassword: "Password",
  loginSubmit: "Log in",
  loginRefused: "Wrong username or password.",
  loginFailed: "Could not log in",
  logout: "Log out",
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
  wastewater: "kindWastewater",
  stack_emission: "kindStackEmission",
};

export const kindMessageKey = (kind: string | null): MessageKey =>
  (kind === null ? undefined : KIND_KEYS[kind]) ?? "kindUnknown";

const STATUS_KEYS = { online: "statusOnline", offline: "statusOffline", unknown: "statusUnknown" } as const;

export const statusMessageKey = (status: keyof typeof STATUS_KEYS): MessageKey => STATUS_KEYS[status];

const POLLUTANT_KEYS: Record<string, MessageKey> = {
  pm25: "pollutantPm25",
  pm10: "pollutantPm10",
  o3: "pollutantO3",
  no2: "pollutantNo2",
  so2: "pollutantSo2",
  co: "pollutantCo",
};

/** Name of an AQI pollutant (the `dominant` of an AQI); an unknown key is shown as it is. */
export const pollutantName = (key: string, t: Translate): string => {
  const messageKey = POLLUTANT_KEYS[key];
  return messageKey === undefined ? key : t(messageKey);
};

/** Operators' page; the residents' page keeps its own choice. */
export const OPERATOR_LANGUAGE_KEY = "tay-ninh-ops.language";
export const RESIDENT_LANGUAGE_KEY = "tay-ninh-public.language";

export interface LanguagePreference {
  get(): Language;
  set(language: Language): void;
}

/** The operator's language choice, remembered across reloads; Vietnamese unless they chose otherwise. */
export function createLanguagePreference(
  storage: Pick<Storage, "getItem" | "setItem">,
  storageKey: string = OPERATOR_LANGUAGE_KEY,
): LanguagePreference {
  return {
    get() {
      const stored = safely(() => storage.getItem(storageKey));
      return isLanguage(stored) ? stored : "vi";
    },
    set(language) {
      safely(() => storage.setItem(storageKey, language));
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
