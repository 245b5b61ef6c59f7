import type { z } from "zod";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type GetJson = <S extends z.ZodType>(
  path: string,
  params: Record<string, string>,
  schema: S,
  signal?: AbortSignal,
) => Promise<z.infer<S>>;

/** GET with query parameters; the answer is checked against the contract before anyone sees it. */
export function createGetJson(baseUrl: string, fetchFn: typeof fetch): GetJson {
  return async (path, params, schema, signal) => {
    const url = new URL(path, baseUrl);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const response = await fetchFn(url, { headers: { accept: "application/json" }, signal });
    if (!response.ok) {
      throw new ApiError(`GET ${url.pathname} answered ${response.status}`, response.status);
    }
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) {
      throw new ApiError(`GET ${url.pathname} sent an unexpected payload: ${parsed.error.message}`, null);
    }
    return parsed.data;
  };
}
