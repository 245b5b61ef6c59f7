import { z } from "zod";

/**
 * The operator's login: a short-lived access token for the API and the live feed, renewed with
 * the refresh token before it runs out. Kept in the tab's session storage, so a reload of a wall
 * screen stays logged in and closing the tab ends the session.
 */

const storedSessionSchema = z.object({
  token: z.string(),
  refreshToken: z.string(),
  /** Epoch ms when the access token expires. */
  expiresAt: z.number(),
  user: z.object({ username: z.string(), role: z.string() }),
});
export type StoredSession = z.infer<typeof storedSessionSchema>;

const tokenAnswerSchema = z.object({
  token: z.string(),
  expiresIn: z.number(),
  refreshToken: z.string(),
  user: z.object({ username: z.string(), role: z.string() }),
});

/** Renew this long before the access token expires. */
const RENEW_MARGIN_MS = 60_000;
const STORAGE_KEY = "tay-ninh-ops.session";

export class LoginError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "LoginError";
  }
}

export interface Session {
  /** Logs in; rejects with a LoginError carrying the server's message. */
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  loggedIn(): boolean;
  user(): StoredSession["user"] | null;
  /** A valid access token, renewed first when close to expiry; null when logged out. */
  token(): Promise<string | null>;
  /** fetch with the Authorization header; one renewal and retry on a 401. */
  fetch: typeof fetch;
  /** Called when the session ends (logout, or a refresh token refused). */
  onEnded(listener: () => void): void;
}

export function createSession(options: {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  readonly now: () => number;
}): Session {
  const endedListeners = new Set<() => void>();
  let current: StoredSession | null = null;
  try {
    const parsed = storedSessionSchema.safeParse(JSON.parse(options.storage.getItem(STORAGE_KEY) ?? "null"));
    current = parsed.success ? parsed.data : null;
  } catch {
    current = null;
  }
  let renewing: Promise<boolean> | null = null;

  const keep = (answer: z.infer<typeof tokenAnswerSchema>) => {
    current = {
      token: answer.token,
      refreshToken: answer.refreshToken,
      expiresAt: options.now() + answer.expiresIn * 1000,
      user: answer.user,
    };
    options.storage.setItem(STORAGE_KEY, JSON.stringify(current));
  };

  const end = () => {
    const wasLoggedIn = current !== null;
    current = null;
    options.storage.removeItem(STORAGE_KEY);
    if (wasLoggedIn) for (const listener of endedListeners) listener();
  };

  const post = (path: string, body: unknown) =>
    options.fetch(new URL(path, options.baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });

  /** One renewal at a time; every caller waits for the same one. */
  function renew(): Promise<boolean> {
    if (!current) return Promise.resolve(false);
    renewing ??= (async () => {
      try {
        const response = await post("/api/v1/auth/refresh", { refreshToken: current?.refreshToken });
        if (response.status === 401) {
          end();
          return false;
        }
        const answer = tokenAnswerSchema.safeParse(await response.json());
        if (!response.ok || !answer.success) return false;
        keep(answer.data);
        return true;
      } catch {
        return false; // network trouble: keep the session and try again later
      } finally {
        renewing = null;
      }
    })();
    return renewing;
  }

  async function token(): Promise<string | null> {
    if (current && current.expiresAt - options.now() < RENEW_MARGIN_MS) await renew();
    return current?.token ?? null;
  }

  const authorizedFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const send = async () => {
      const headers = new Headers(init.headers);
      const bearer = await token();
      if (bearer) headers.set("authorization", `Bearer ${bearer}`);
      return options.fetch(input, { ...init, headers });
    };
    const response = await send();
    if (response.status !== 401 || !(await renew())) return response;
    return send();
  };

  return {
    async login(username, password) {
      const response = await post("/api/v1/auth/login", { username, password });
      const body: unknown = await response.json().catch(() => ({}));
      if (!response.ok) {
        const message = (body as { message?: unknown }).message;
        throw new LoginError(
          typeof message === "string" ? message : `HTTP ${response.status}`,
          response.status,
        );
      }
      const answer = tokenAnswerSchema.safeParse(body);
      if (!answer.success) throw new LoginError("unexpected answer from the server", null);
      keep(answer.data);
    },
    async logout() {
      const refreshToken = current?.refreshToken;
      end();
      if (refreshToken) await post("/api/v1/auth/logout", { refreshToken }).catch(() => undefined);
    },
    loggedIn: () => current !== null,
    user: () => current?.user ?? null,
    token,
    fetch: authorizedFetch as typeof fetch,
    onEnded: (listener) => {
      endedListeners.add(listener);
    },
  };
}
