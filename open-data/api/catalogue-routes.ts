import { readFile, stat } from "node:fs/promises";
import type { FastifyPluginAsync } from "fastify";
import { METRIC_DEFINITIONS } from "../../kernel/catalogue.js";
import { ServiceError } from "../../kernel/errors.js";
import type { ArchiveRecord, DailyArchive } from "../archive/daily-archive.js";
import { CSV_COLUMNS } from "../model/readings-csv.js";
import {
  FLOOD_LEVEL_KEY,
  FLOOD_LEVEL_NAME,
  type IndexSeries,
  kindName,
  propertyDefinition,
  type StaCatalogue,
} from "../model/sta-model.js";
import { sendCached } from "./http-caching.js";
import { baseUrlOf, type RouteRateLimit } from "./sta-routes.js";

export const OPEN_DATA_PATH = "/open-data";
export const DICTIONARY_PATH = `${OPEN_DATA_PATH}/dictionary`;
export const DEVELOPERS_PATH = "/developers.html";

export interface OpenDataLicence {
  readonly name: string;
  readonly url: string;
}

export interface CatalogueRoutesOptions {
  readonly archive: DailyArchive;
  readonly catalogue: () => Promise<StaCatalogue>;
  readonly indices: readonly IndexSeries[];
  readonly licence: OpenDataLicence;
  readonly publisher: string;
  readonly retentionDays: number;
  readonly publicBaseUrl?: string;
  readonly rateLimit: RouteRateLimit;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] as string,
  );

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1b2a33;background:#f6f8f9;line-height:1.5}
header{background:#0b5563;color:#fff;padding:1.2rem 1.5rem}
header h1{margin:0;font-size:1.5rem}header p{margin:.3rem 0 0;opacity:.9}
main{max-width:70rem;margin:0 auto;padding:1rem 1.5rem 3rem}
section{background:#fff;border:1px solid #d5dde1;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0;overflow-x:auto}
h2{font-size:1.2rem;margin:.2rem 0 .6rem}.en{color:#4b5d66}
table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{border-bottom:1px solid #e3e9ec;padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#eef3f5}code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9rem}
pre{background:#10242c;color:#e6f1f4;padding:.75rem;border-radius:6px;overflow-x:auto}
a{color:#0a5a8a}.num{text-align:right;font-variant-numeric:tabular-nums}
@media (max-width:600px){main{padding:.5rem .75rem 2rem}section{padding:.75rem}table{font-size:.85rem}th,td{padding:.3rem}}
`;

function page(title: string, subtitle: string, body: string): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="alternate" type="application/ld+json" href="${OPEN_DATA_PATH}/catalog.jsonld">
<style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(subtitle)}</p></header><main>${body}</main></body></html>
`;
}

const sizeText = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1048576).toFixed(1)} MiB`;

/** DCAT (W3C Data Catalog Vocabulary) in JSON-LD: the service, the CSV API and each daily archive. */
export function dcatCatalogue(
  base: string,
  archives: readonly ArchiveRecord[],
  options: Pick<CatalogueRoutesOptions, "licence" | "publisher">,
) {
  const licence = options.licence.url;
  const publisher = { "@type": "foaf:Organization", "foaf:name": options.publisher };
  return {
    "@context": {
      dcat: "http://www.w3.org/ns/dcat#",
      dct: "http://purl.org/dc/terms/",
      foaf: "http://xmlns.com/foaf/0.1/",
      xsd: "http://www.w3.org/2001/XMLSchema#",
      spdx: "http://spdx.org/rdf/terms#",
    },
    "@id": `${base}${OPEN_DATA_PATH}/catalog.jsonld`,
    "@type": "dcat:Catalog",
    "dct:title": [
      { "@language": "vi", "@value": "Dữ liệu mở quan trắc môi trường tỉnh Tây Ninh" },
      { "@language": "en", "@value": "Tây Ninh environmental monitoring open data" },
    ],
    "dct:publisher": publisher,
    "dct:license": { "@id": licence },
    "foaf:homepage": { "@id": `${base}${OPEN_DATA_PATH}/` },
    "dcat:service": [
      {
        "@id": `${base}/sta/v1.1`,
        "@type": "dcat:DataService",
        "dct:title": "OGC SensorThings API 1.1 (Part 1: Sensing)",
        "dcat:endpointURL": { "@id": `${base}/sta/v1.1` },
        "dct:conformsTo": { "@id": "http://www.opengis.net/doc/is/sensorthings/1.1" },
        "dct:license": { "@id": licence },
      },
    ],
    "dcat:dataset": [
      {
        "@id": `${base}${OPEN_DATA_PATH}/#readings`,
        "@type": "dcat:Dataset",
        "dct:title": [
          {
            "@language": "vi",
            "@value": "Số liệu quan trắc tự động (không khí, nước, mực nước, tiếng ồn, khí tượng)",
          },
          {
            "@language": "en",
            "@value": "Automatic monitoring readings (air, water, water level, noise, weather)",
          },
        ],
        "dct:publisher": publisher,
        "dct:license": { "@id": licence },
        "dct:spatial": { "@type": "dct:Location", "foaf:name": "Tây Ninh, Việt Nam" },
        "dct:accrualPeriodicity": { "@id": "http://purl.org/cld/freq/daily" },
        "dcat:keyword": ["môi trường", "không khí", "AQI", "air quality", "water quality", "SensorThings"],
        "foaf:page": { "@id": `${base}${DICTIONARY_PATH}` },
        "dcat:distribution": [
          {
            "@type": "dcat:Distribution",
            "dct:title": "SensorThings API",
            "dcat:accessURL": { "@id": `${base}/sta/v1.1` },
            "dcat:mediaType": "application/json",
            "dct:license": { "@id": licence },
          },
          {
            "@type": "dcat:Distribution",
            "dct:title": "CSV theo trạm và chỉ tiêu · CSV per station and metric",
            "dcat:accessURL": { "@id": `${base}/api/v1/public/readings.csv` },
            "dcat:mediaType": "text/csv",
            "dct:license": { "@id": licence },
          },
          ...archives.map((a) => ({
            "@id": `${base}${OPEN_DATA_PATH}/archives/${a.file}`,
            "@type": "dcat:Distribution",
            "dct:title": `Lưu trữ ngày ${a.day} · Daily archive ${a.day}`,
            "dcat:downloadURL": { "@id": `${base}${OPEN_DATA_PATH}/archives/${a.file}` },
            "dcat:mediaType": "text/csv",
            "dcat:compressFormat": "application/gzip",
            "dcat:byteSize": { "@type": "xsd:nonNegativeInteger", "@value": String(a.bytes) },
            "dct:issued": { "@type": "xsd:dateTime", "@value": a.generatedAt },
            "dct:temporal": { "@type": "dct:PeriodOfTime", "dcat:startDate": a.from, "dcat:endDate": a.to },
            "spdx:checksum": { "spdx:algorithm": "sha256", "spdx:checksumValue": a.sha256 },
            "dct:license": { "@id": licence },
          })),
        ],
      },
    ],
  };
}

/** The open-data catalogue: /open-data/ page, DCAT JSON-LD, data dictionary, archive downloads. */
export const catalogueRoutes: FastifyPluginAsync<CatalogueRoutesOptions> = async (app, options) => {
  const publicRoute = {
    config: { access: "public" as const, rateLimit: { ...options.rateLimit } },
    schema: { hide: true },
  };

  app.get(OPEN_DATA_PATH, publicRoute, async (_request, reply) => reply.redirect(`${OPEN_DATA_PATH}/`, 301));

  app.get(`${OPEN_DATA_PATH}/`, publicRoute, async (request, reply) => {
    const base = baseUrlOf(request, options.publicBaseUrl);
    const archives = await options.archive.list();
    const catalogue = await options.catalogue();
    const rows = archives
      .map(
        (a) =>
          `<tr><td>${escapeHtml(a.day)}</td><td><a href="${OPEN_DATA_PATH}/archives/${escapeHtml(a.file)}">${escapeHtml(a.file)}</a></td>` +
          `<td class="num">${a.rows.toLocaleString("vi-VN")}</td><td class="num">${sizeText(a.bytes)}</td><td><code>${a.sha256.slice(0, 16)}…</code></td></tr>`,
      )
      .join("");
    const licence = `<a href="${escapeHtml(options.licence.url)}" rel="license">${escapeHtml(options.licence.name)}</a>`;
    const body = `
<section><h2>Dữ liệu được cung cấp <span class="en">· What is offered</span></h2>
<p>Số liệu quan trắc tự động của ${catalogue.stations.length} trạm công khai trong tỉnh, theo giấy phép ${licence}: được sử dụng, chia sẻ, chỉnh sửa, kể cả cho mục đích thương mại, với điều kiện ghi nguồn «${escapeHtml(options.publisher)}».</p>
<p class="en">Automatic monitoring readings of the province's ${catalogue.stations.length} public stations, under ${licence}: use, share and adapt them, commercially too, crediting “${escapeHtml(options.publisher)}”.</p>
<table><thead><tr><th>Dịch vụ · Service</th><th>Địa chỉ · Address</th></tr></thead><tbody>
<tr><td>OGC SensorThings API 1.1 (QGIS, Grafana…)</td><td><a href="/sta/v1.1"><code>${escapeHtml(base)}/sta/v1.1</code></a> · <a href="/sta/v1.0"><code>/sta/v1.0</code></a></td></tr>
<tr><td>CSV theo trạm và chỉ tiêu · CSV per station and metric</td><td><code>${escapeHtml(base)}/api/v1/public/readings.csv?station=…&amp;metric=…&amp;from=…&amp;to=…</code></td></tr>
<tr><td>Danh mục máy đọc được (DCAT, JSON-LD) · Machine-readable catalogue</td><td><a href="${OPEN_DATA_PATH}/catalog.jsonld"><code>${OPEN_DATA_PATH}/catalog.jsonld</code></a></td></tr>
<tr><td>Từ điển dữ liệu · Data dictionary</td><td><a href="${DICTIONARY_PATH}"><code>${DICTIONARY_PATH}</code></a></td></tr>
<tr><td>Hướng dẫn cho lập trình viên · Developers' guide</td><td><a href="${DEVELOPERS_PATH}"><code>${DEVELOPERS_PATH}</code></a></td></tr>
</tbody></table></section>
<section><h2>Lưu trữ theo ngày <span class="en">· Daily archives</span></h2>
<p>Mỗi ngày (giờ Việt Nam, 00:00–24:00) một tệp CSV nén gzip với mọi số liệu của các trạm công khai; giữ ${options.retentionDays} ngày.
<span class="en">One gzip-compressed CSV per day (Vietnam time) with every reading of the public stations; kept ${options.retentionDays} days.</span></p>
${archives.length === 0 ? "<p>Chưa có tệp lưu trữ nào · No archive yet.</p>" : `<table><thead><tr><th>Ngày · Day</th><th>Tệp · File</th><th class="num">Dòng · Rows</th><th class="num">Dung lượng · Size</th><th>SHA-256</th></tr></thead><tbody>${rows}</tbody></table>`}
</section>`;
    reply.type("text/html; charset=utf-8");
    return sendCached(
      request,
      reply,
      page(
        "Dữ liệu mở · Open data",
        "Quan trắc môi trường tỉnh Tây Ninh · Tây Ninh environmental monitoring",
        body,
      ),
    );
  });

  app.get(`${OPEN_DATA_PATH}/catalog.jsonld`, publicRoute, async (request, reply) => {
    const base = baseUrlOf(request, options.publicBaseUrl);
    const archives = await options.archive.list();
    reply.type("application/ld+json; charset=utf-8");
    const newest = archives[0];
    return sendCached(
      request,
      reply,
      JSON.stringify(dcatCatalogue(base, archives, options), null, 2),
      newest ? { lastModified: Date.parse(newest.generatedAt) } : {},
    );
  });

  app.get(DICTIONARY_PATH, publicRoute, async (request, reply) => {
    const base = baseUrlOf(request, options.publicBaseUrl);
    const dictionaryUrl = `${base}${DICTIONARY_PATH}`;
    const metricRows = METRIC_DEFINITIONS.map(
      (m) =>
        `<tr id="${m.key}"><td><code>${m.key}</code></td><td>${escapeHtml(m.label.vi)}<br><span class="en">${escapeHtml(m.label.en)}</span></td>` +
        `<td id="unit-${m.key}">${escapeHtml(m.unit)}</td><td class="num">${m.min} – ${m.max}</td><td><a href="${escapeHtml(propertyDefinition(m.key, dictionaryUrl))}">${escapeHtml(propertyDefinition(m.key, dictionaryUrl))}</a></td></tr>`,
    ).join("");
    const indexRows = options.indices
      .map(
        (i) =>
          `<tr id="${escapeHtml(i.series)}"><td><code>${escapeHtml(i.series)}</code></td><td>${escapeHtml(i.name.vi)}<br><span class="en">${escapeHtml(i.name.en)}</span></td>` +
          `<td>${escapeHtml(i.unit.symbol)}</td><td>${i.periodMs / 3_600_000} h</td></tr>`,
      )
      .join("")
      .concat(
        `<tr id="${FLOOD_LEVEL_KEY}"><td><code>${FLOOD_LEVEL_KEY}</code></td><td>${escapeHtml(FLOOD_LEVEL_NAME.vi)}<br><span class="en">${escapeHtml(FLOOD_LEVEL_NAME.en)}</span></td>` +
          "<td>0–3</td><td>mỗi giá trị mực nước · each water level reading</td></tr>",
      );
    const sensorRows = ["air", "weather", "noise", "water_level", "water_quality", "other"]
      .map(
        (k) =>
          `<tr id="sensor-${k}"><td><code>${k}</code></td><td>${escapeHtml(kindName(k).vi)}</td><td class="en">${escapeHtml(kindName(k).en)}</td></tr>`,
      )
      .join("");
    const columnText: Record<(typeof CSV_COLUMNS)[number], string> = {
      station: "Mã trạm · Station code",
      station_name: "Tên trạm · Station name",
      area: "Mã xã/phường · Commune or ward code",
      metric: "Chỉ tiêu (bảng dưới) · Metric (table below)",
      time_utc: "Thời điểm đo, ISO 8601 UTC · Time of the reading, ISO 8601 UTC",
      value: "Giá trị · Value",
      unit: "Đơn vị · Unit",
    };
    const body = `
<section><h2>Cột của tệp CSV <span class="en">· CSV columns</span></h2>
<p>UTF-8, dòng đầu là tên cột, phân cách bằng dấu phẩy, xuống dòng CRLF (RFC 4180). <span class="en">UTF-8, header row, comma-separated, CRLF line ends (RFC 4180).</span></p>
<table><thead><tr><th>Cột · Column</th><th>Ý nghĩa · Meaning</th></tr></thead><tbody>
${CSV_COLUMNS.map((c) => `<tr><td><code>${c}</code></td><td>${escapeHtml(columnText[c])}</td></tr>`).join("")}
</tbody></table></section>
<section><h2>Chỉ tiêu đo <span class="en">· Metrics</span></h2>
<table><thead><tr><th>Mã · Key</th><th>Tên · Name</th><th>Đơn vị · Unit</th><th class="num">Khoảng hợp lệ · Valid range</th><th>Định nghĩa · Definition</th></tr></thead><tbody>${metricRows}</tbody></table>
<p>Giá trị ngoài khoảng hợp lệ bị loại khi nhận, không được lưu. <span class="en">Values outside the valid range are refused on arrival and never stored.</span></p></section>
<section><h2>Chỉ số <span class="en">· Indices</span></h2>
<p>Mỗi giá trị ghi thời điểm đầu của giờ hoặc ngày (giờ Việt Nam) mà nó tính cho. <span class="en">Each value is stamped with the start of the hour or local day it covers.</span></p>
<table><thead><tr><th>Mã · Key</th><th>Tên · Name</th><th>Đơn vị · Unit</th><th>Chu kỳ · Period</th></tr></thead><tbody>${indexRows}</tbody></table></section>
<section><h2>Loại thiết bị <span class="en">· Sensor kinds</span></h2>
<table><thead><tr><th>Mã · Key</th><th>Tiếng Việt</th><th>English</th></tr></thead><tbody>${sensorRows}</tbody></table></section>
<section><h2>Giấy phép <span class="en">· Licence</span></h2><p><a href="${escapeHtml(options.licence.url)}">${escapeHtml(options.licence.name)}</a> — ${escapeHtml(options.publisher)}</p></section>`;
    reply.type("text/html; charset=utf-8");
    return sendCached(
      request,
      reply,
      page(
        "Từ điển dữ liệu · Data dictionary",
        "Dữ liệu mở quan trắc môi trường Tây Ninh · Tây Ninh open data",
        body,
      ),
    );
  });

  app.get<{ Params: { file: string } }>(
    `${OPEN_DATA_PATH}/archives/:file`,
    publicRoute,
    async (request, reply) => {
      const path = options.archive.pathOf(request.params.file);
      if (!path) throw new ServiceError("not_found", "không có tệp lưu trữ này · no such archive");
      let content: Buffer;
      let modified: number;
      try {
        [content, modified] = await Promise.all([readFile(path), stat(path).then((s) => s.mtimeMs)]);
      } catch {
        throw new ServiceError("not_found", "không có tệp lưu trữ này · no such archive");
      }
      reply.type("application/gzip");
      reply.header("Content-Disposition", `attachment; filename="${request.params.file}"`);
      return sendCached(request, reply, content, {
        lastModified: modified,
        cacheControl: "public, max-age=86400",
      });
    },
  );
};
