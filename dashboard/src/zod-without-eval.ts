import { z } from "zod";

// Zod probes `new Function` on start-up to decide whether to compile validators; the dashboard's
// Content-Security-Policy forbids eval, so turn the probe off. Imported first by each entry point.
z.config({ jitless: true });
