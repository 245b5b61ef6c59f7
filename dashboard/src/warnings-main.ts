import "./zod-without-eval.js";
import { createLanguagePreference, translator } from "./i18n.js";
import { askForLogin } from "./login-view.js";
import { createSession } from "./session.js";
import { startWarningsScreen } from "./warnings-screen.js";

/** Entry point of the operators' warnings screen (warnings.html): the only place that touches window globals. */

function need<T extends HTMLElement>(selector: string, type: new () => T): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`warnings markup is missing ${selector}`);
  return found;
}

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
session.onEnded(() => window.location.reload());

async function boot(): Promise<void> {
  if (!session.loggedIn()) {
    await askForLogin({
      dialog: need("#login", HTMLElement),
      form: need("#login-form", HTMLFormElement),
      username: need("#login-username", HTMLInputElement),
      password: need("#login-password", HTMLInputElement),
      error: need("#login-error", HTMLElement),
      t: () => translator(languagePreference.get()),
      login: (username, password) => session.login(username, password),
    });
  }
  const user = session.user();
  need("#session-user", HTMLElement).textContent = user ? `${user.username} (${user.role})` : "";
  const logout = need("#logout", HTMLButtonElement);
  logout.hidden = false;
  logout.addEventListener("click", () => void session.logout());
  await startWarningsScreen({ document, fetch: session.fetch, now: () => Date.now() });
}

void boot();
