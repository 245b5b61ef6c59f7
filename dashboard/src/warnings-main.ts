import "./zod-without-eval.js";
import { openStaffPage } from "./staff-page.js";
import { startWarningsScreen } from "./warnings-screen.js";

/** Entry point of the operators' warnings screen (warnings.html): the only place that touches window globals. */

async function boot(): Promise<void> {
  const { session } = await openStaffPage();
  await startWarningsScreen({ document, fetch: session.fetch, now: () => Date.now() });
}

void boot();
