export interface JsonResponse<T> {
  readonly status: number;
  readonly contentType: string;
  readonly body: T;
}

/** GET a URL of the service and parse its JSON body, keeping the status for assertions. */
export async function getJson<T = unknown>(
  url: string,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    throw new Error(
      `GET ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 500)}`,
    );
  }
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body };
}

/** GET a URL and return its text (for /metrics, /docs). */
export async function getText(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string; text: string }> {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

/** POST/PUT/DELETE a JSON body to the service and parse its JSON answer (empty for 204). */
export async function sendJson<T = unknown>(
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: T;
  try {
    parsed = (text === "" ? null : JSON.parse(text)) as T;
  } catch {
    throw new Error(
      `${method} ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 500)}`,
    );
  }
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: parsed };
}
