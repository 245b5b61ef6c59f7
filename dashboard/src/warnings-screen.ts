import { z } from "zod";
import { type WarningView, warningViewSchema } from "../../warnings/model/index.js";
import { element } from "./dom.js";

/**
 * The operators' warnings screen: every agency's warnings with their risk level's colour and name,
 * the draft form for the agencies the user belongs to, and the steps the user's role in the
 * warning's agency allows (publish, cancel). The server decides; the screen shows only buttons that
 * can succeed and says why when one is refused (a second person, say).
 */

const bilingual = z.object({ vi: z.string(), en: z.string().nullable() });
const catalogueSchema = z.object({
  levels: z.array(
    z.object({
      level: z.number(),
      name: z.object({ vi: z.string(), en: z.string() }),
      colour: z.object({ vi: z.string(), en: z.string() }),
      hex: z.string(),
      textHex: z.string(),
    }),
  ),
  hazards: z.array(z.object({ code: z.string(), name: z.object({ vi: z.string(), en: z.string() }) })),
  agencies: z.array(
    z.object({
      id: z.number(),
      code: z.string(),
      name: bilingual,
      hazards: z.array(z.string()),
      communes: z.array(z.string()),
      secondApproval: z.boolean(),
      myRole: z.enum(["issuer", "approver"]).nullable(),
    }),
  ),
});
type Catalogue = z.infer<typeof catalogueSchema>;
const areasSchema = z.object({ areas: z.array(z.object({ code: z.string(), name: z.string() })) });

const STATE_NAMES: Record<WarningView["state"], string> = {
  draft: "Bản nháp · draft",
  published: "Đã phát hành · published",
  cancelled: "Đã hủy · cancelled",
  expired: "Hết hiệu lực · expired",
};

const vietnamTime = new Intl.DateTimeFormat("vi-VN", {
  timeZone: "Asia/Ho_Chi_Minh",
  hour: "2-digit",
  minute: "2-digit",
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
});
const inVietnam = (iso: string) => vietnamTime.format(new Date(iso));

/** A datetime-local value read as Vietnam time (UTC+7, no daylight saving). */
const vietnamInstant = (local: string) => `${local.length === 16 ? `${local}:00` : local}+07:00`;
const localValue = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 16);

function need<T extends HTMLElement>(root: Document, selector: string, type: new () => T): T {
  const found = root.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`warnings markup is missing ${selector}`);
  return found;
}

export async function startWarningsScreen(deps: {
  readonly document: Document;
  readonly fetch: typeof fetch;
  readonly now: () => number;
}): Promise<void> {
  const doc = deps.document;
  const list = need(doc, "#warning-list", HTMLUListElement);
  const status = need(doc, "#warnings-status", HTMLElement);
  const form = need(doc, "#draft-form", HTMLFormElement);
  const note = need(doc, "#draft-note", HTMLElement);
  const agencySelect = need(doc, "#draft-agency", HTMLSelectElement);
  const hazardSelect = need(doc, "#draft-hazard", HTMLSelectElement);
  const levelSelect = need(doc, "#draft-level", HTMLSelectElement);
  const raiseSelect = need(doc, "#draft-raise", HTMLSelectElement);
  const communes = need(doc, "#draft-communes", HTMLFieldSetElement);
  const formError = need(doc, "#draft-error", HTMLElement);

  async function call(method: string, url: string, body?: unknown) {
    const response = await deps.fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json().catch(() => ({}))) as { message?: string };
    if (!response.ok) throw new Error(json.message ?? `HTTP ${response.status}`);
    return json as unknown;
  }

  const catalogue: Catalogue = catalogueSchema.parse(await call("GET", "/api/v1/warnings/catalogue"));
  const areaNames = new Map(
    areasSchema.parse(await call("GET", "/api/v1/public/areas")).areas.map((a) => [a.code, a.name]),
  );
  const hazardName = new Map(catalogue.hazards.map((h) => [h.code, h.name.vi]));
  const roleIn = new Map(catalogue.agencies.map((a) => [a.id, a.myRole]));
  const mine = catalogue.agencies.filter((a) => a.myRole !== null);

  // --- the draft form ---
  levelSelect.replaceChildren(
    ...catalogue.levels.map((l) => {
      const option = new Option(`${l.name.vi} (${l.colour.vi})`, String(l.level));
      option.style.background = l.hex;
      option.style.color = l.textHex;
      return option;
    }),
  );
  const fillAgency = () => {
    const agency = mine.find((a) => String(a.id) === agencySelect.value);
    hazardSelect.replaceChildren(
      ...(agency?.hazards ?? []).map((h) => new Option(hazardName.get(h) ?? h, h)),
    );
    communes.replaceChildren(
      element("legend", undefined, "Xã/phường · Communes"),
      ...(agency?.communes ?? []).map((code) => {
        const label = element("label");
        const box = element("input");
        box.type = "checkbox";
        box.name = "commune";
        box.value = code;
        label.append(box, areaNames.get(code) ?? code);
        return label;
      }),
    );
  };
  if (mine.length === 0) {
    note.textContent =
      "Tài khoản của bạn không thuộc cơ quan nào nên không soạn được cảnh báo. · Your account belongs to no agency.";
  } else {
    form.hidden = false;
    agencySelect.replaceChildren(...mine.map((a) => new Option(`${a.name.vi} (${a.myRole})`, String(a.id))));
    agencySelect.addEventListener("change", fillAgency);
    fillAgency();
    need(doc, "#draft-onset", HTMLInputElement).value = localValue(deps.now());
    need(doc, "#draft-expires", HTMLInputElement).value = localValue(deps.now() + 24 * 3_600_000);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    formError.textContent = "";
    const value = (selector: string) =>
      (need(doc, selector, HTMLElement) as HTMLInputElement | HTMLTextAreaElement).value.trim();
    const chosen = [...communes.querySelectorAll<HTMLInputElement>("input[name=commune]:checked")].map(
      (b) => b.value,
    );
    const headlineEn = value("#draft-headline-en");
    const body = {
      agencyId: Number(agencySelect.value),
      hazard: hazardSelect.value,
      level: Number(levelSelect.value),
      concurrentRaise: Number(raiseSelect.value),
      communes: chosen,
      headline: { vi: value("#draft-headline"), ...(headlineEn ? { en: headlineEn } : {}) },
      description: { vi: value("#draft-description") },
      instruction: { vi: value("#draft-instruction") },
      onset: vietnamInstant(value("#draft-onset")),
      expires: vietnamInstant(value("#draft-expires")),
    };
    void call("POST", "/api/v1/warnings", body)
      .then(async () => {
        for (const selector of [
          "#draft-headline",
          "#draft-headline-en",
          "#draft-description",
          "#draft-instruction",
        ]) {
          (need(doc, selector, HTMLElement) as HTMLInputElement).value = "";
        }
        await refresh();
      })
      .catch((error: Error) => {
        formError.textContent = error.message;
      });
  });

  // --- the list ---
  function item(w: WarningView): HTMLLIElement {
    const li = element("li", "warning-item");
    li.dataset.warningId = String(w.id);
    li.dataset.state = w.state;
    li.style.setProperty("--level-bg", w.levelInfo.hex);
    li.style.setProperty("--level-fg", w.levelInfo.textHex);
    const head = element("p");
    head.append(
      element("span", "level-badge", `${w.levelInfo.name.vi} · ${w.levelInfo.colour.vi}`),
      element("span", "state-badge", STATE_NAMES[w.state]),
    );
    const where = w.communes.map((c) => areaNames.get(c) ?? c).join(", ");
    li.append(
      head,
      element("h3", undefined, w.headline.vi),
      element("p", undefined, `${w.hazardName.vi} · ${where}`),
      element(
        "p",
        "warning-meta",
        `${w.agency.name.vi} · ${inVietnam(w.onset)} – ${inVietnam(w.expires)} (giờ VN)`,
      ),
      element(
        "p",
        "warning-meta",
        `Soạn: ${w.createdBy}${w.publishedBy ? ` · Phát hành: ${w.publishedBy}` : ""}${w.version > 1 ? ` · Cập nhật lần ${w.version - 1}` : ""}`,
      ),
    );
    const role = roleIn.get(w.agencyId) ?? null;
    const actions = element("div", "warning-actions");
    const error = element("p", "warning-error");
    error.setAttribute("role", "alert");
    const action = (label: string, path: string) => {
      const button = element("button", undefined, label);
      button.type = "button";
      button.dataset.action = path;
      button.addEventListener("click", () => {
        error.textContent = "";
        button.disabled = true;
        void call("POST", `/api/v1/warnings/${w.id}/${path}`)
          .then(() => refresh())
          .catch((e: Error) => {
            error.textContent = e.message;
            button.disabled = false;
          });
      });
      actions.append(button);
    };
    if (w.state === "draft" && role === "approver")
      action("Phê duyệt và phát hành · Approve & publish", "publish");
    if ((w.state === "draft" && role !== null) || (w.state === "published" && role === "approver")) {
      action(w.state === "draft" ? "Bỏ bản nháp · Discard" : "Hủy cảnh báo · Cancel", "cancel");
    }
    if (actions.childElementCount > 0) li.append(actions, error);
    return li;
  }

  async function refresh(): Promise<void> {
    try {
      const { warnings } = z
        .object({ warnings: z.array(warningViewSchema) })
        .parse(await call("GET", "/api/v1/warnings?limit=100"));
      list.replaceChildren(...warnings.map(item));
      status.textContent = warnings.length === 0 ? "Chưa có cảnh báo nào. · No warnings yet." : "";
    } catch (error) {
      status.textContent = `Không tải được danh sách · could not load: ${(error as Error).message}`;
    }
  }
  await refresh();
}
