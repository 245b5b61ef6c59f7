import type { Translate } from "./i18n.js";
import { LoginError } from "./session.js";

/** The login form in front of the dashboard; resolves once the operator is logged in. */
export function askForLogin(deps: {
  readonly dialog: HTMLElement;
  readonly form: HTMLFormElement;
  readonly username: HTMLInputElement;
  readonly password: HTMLInputElement;
  readonly error: HTMLElement;
  readonly t: () => Translate;
  readonly login: (username: string, password: string) => Promise<void>;
}): Promise<void> {
  deps.dialog.hidden = false;
  deps.username.focus();
  return new Promise((resolve) => {
    const submit = async (event: SubmitEvent) => {
      event.preventDefault();
      deps.error.textContent = "";
      const button = deps.form.querySelector("button");
      if (button) button.disabled = true;
      try {
        await deps.login(deps.username.value.trim(), deps.password.value);
        deps.password.value = "";
        deps.dialog.hidden = true;
        deps.form.removeEventListener("submit", submit);
        resolve();
      } catch (error) {
        const t = deps.t();
        deps.error.textContent =
          error instanceof LoginError && error.status === 401
            ? t("loginRefused")
            : `${t("loginFailed")}: ${error instanceof Error ? error.message : String(error)}`;
        deps.password.select();
      } finally {
        if (button) button.disabled = false;
      }
    };
    deps.form.addEventListener("submit", submit);
  });
}
