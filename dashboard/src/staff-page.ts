import {
  applyStaticTranslations,
  createLanguagePreference,
  type LanguagePreference,
  translator,
} from "./i18n.js";
import { askForLogin } from "./login-view.js";
import { createSession, type Session } from "./session.js";

/**
 * What every staff page (the operators' dashboard, the warnings screen) does before its own work:
 * the language preference, a session in this tab, the login form when needed, the user's name and
 * the logout button in the header. Touches window globals; each page's entry point calls it once.
 */
export interface StaffPage {
  readonly session: Session;
  readonly languagePreference: LanguagePreference;
}

function requiredElement<T extends HTMLElement>(selector: string, type: new () => T): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`page markup is missing ${selector}`);
  return found;
}

export async function openStaffPage(): Promise<StaffPage> {
  // Looked up on each use: merely touching window.localStorage throws where storage is disabled.
  const languagePreference = createLanguagePreference({
    getItem: (key) => window.localStorage.getItem(key),
    setItem: (key, value) => window.localStorage.setItem(key, value),
  });
  const session = createSession({
    baseUrl: window.location.origin,
    fetch: window.fetch.bind(window),
    storage: window.sessionStorage,
    now: () => Date.now(),
  });
  // Logged out here or elsewhere (a refused refresh token): start again from the login form.
  session.onEnded(() => window.location.reload());
  if (!session.loggedIn()) {
    const t = () => translator(languagePreference.get());
    applyStaticTranslations(document, t());
    await askForLogin({
      dialog: requiredElement("#login", HTMLElement),
      form: requiredElement("#login-form", HTMLFormElement),
      username: requiredElement("#login-username", HTMLInputElement),
      password: requiredElement("#login-password", HTMLInputElement),
      error: requiredElement("#login-error", HTMLElement),
      t,
      login: (username, password) => session.login(username, password),
    });
  }
  const user = session.user();
  requiredElement("#session-user", HTMLElement).textContent = user ? `${user.username} (${user.role})` : "";
  const logout = requiredElement("#logout", HTMLButtonElement);
  logout.hidden = false;
  logout.addEventListener("click", () => void session.logout());
  return { session, languagePreference };
}
