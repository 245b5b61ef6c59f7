import { xmlEscape } from "../../model/cap.js";

/**
 * An Atom 1.0 (RFC 4287) feed of CAP messages: one entry per current public alert, linking to its
 * latest CAP message. Pure, so the route only gathers the entries.
 */

export const ATOM_NAMESPACE = "http://www.w3.org/2005/Atom";

export interface AtomEntry {
  /** Permanent for the message the entry announces: a new CAP message is a new entry. */
  readonly id: string;
  readonly title: string;
  readonly titleLanguage: string;
  readonly summary: string;
  readonly summaryLanguage: string;
  /** RFC 3339 date-times. */
  readonly published: string;
  readonly updated: string;
  /** The CAP message. */
  readonly link: string;
  readonly categories: readonly string[];
}

export interface AtomFeed {
  readonly id: string;
  readonly title: string;
  readonly updated: string;
  readonly author: string;
  readonly selfLink: string;
  /** The human-readable page. */
  readonly alternateLink?: string;
  readonly entries: readonly AtomEntry[];
}

const CAP_CATEGORY_SCHEME = "urn:oasis:names:tc:emergency:cap:1.2#category";

export function buildAtomFeed(feed: AtomFeed): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<feed xmlns="${ATOM_NAMESPACE}" xml:lang="vi">`,
    `  <id>${xmlEscape(feed.id)}</id>`,
    `  <title>${xmlEscape(feed.title)}</title>`,
    `  <updated>${xmlEscape(feed.updated)}</updated>`,
    `  <author><name>${xmlEscape(feed.author)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(feed.selfLink)}"/>`,
  ];
  if (feed.alternateLink !== undefined) {
    lines.push(`  <link rel="alternate" type="text/html" href="${xmlEscape(feed.alternateLink)}"/>`);
  }
  for (const entry of feed.entries) {
    lines.push(
      "  <entry>",
      `    <id>${xmlEscape(entry.id)}</id>`,
      `    <title xml:lang="${xmlEscape(entry.titleLanguage)}">${xmlEscape(entry.title)}</title>`,
      `    <published>${xmlEscape(entry.published)}</published>`,
      `    <updated>${xmlEscape(entry.updated)}</updated>`,
      `    <link rel="alternate" type="application/cap+xml" href="${xmlEscape(entry.link)}"/>`,
      ...entry.categories.map(
        (term) => `    <category term="${xmlEscape(term)}" scheme="${CAP_CATEGORY_SCHEME}"/>`,
      ),
      `    <summary xml:lang="${xmlEscape(entry.summaryLanguage)}">${xmlEscape(entry.summary)}</summary>`,
      "  </entry>",
    );
  }
  lines.push("</feed>", "");
  return lines.join("\n");
}
