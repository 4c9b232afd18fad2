// How a message's parts read on the page, in the page's language: dates
// and times (Intl.DateTimeFormat), the day a message belongs to, an
// author's initials and avatar colour, and a message: its formatting (the
// HTML the server rendered and sanitized), else its text with its links and
// mentions. Everything else is built with DOM APIs: user text only ever
// becomes text nodes, and links are <a> elements whose href is checked to
// be http(s). Nothing here touches the page on import.
"use strict";

// The palette of initials avatars (classes avatar-0 … avatar-N in
// parley.css), each dark enough for white initials (WCAG AA).
const AVATAR_COLOURS = 8;
// http(s) URLs up to the next space or angle bracket or quote; trailing
// punctuation is trimmed off below (it usually ends the sentence).
const URL_RE = /\bhttps?:\/\/[^\s<>"']+/giu;
const URL_TRAILING = /[.,;:!?)\]}'"»]+$/u;
// A mention, as the server reads one (services/mentions.py): "@" not after
// a word character or another "@", then a username.
const MENTION_RE = /(?<![\p{L}\p{N}_@])@([\p{L}\p{N}_][\p{L}\p{N}_.@+-]*)/gu;
const MENTION_TRAILING = /[.@+-]+$/u;
// rel of every link in a message: no window.opener, no Referer, no
// endorsement for search engines.
export const LINK_REL = "noopener noreferrer nofollow";

/** The page's language (the <html lang> Django set). */
export function pageLanguage() {
  return document.documentElement.lang || navigator.language || "en";
}

/** The local calendar day of `date`, as "YYYY-MM-DD" (a sortable key). */
export function dayKey(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * A day separator's label: "Today", "Yesterday", else the date in the
 * page's language, with the year when it is not this year's.
 *
 * @param {Date} date
 * @param {{today: string, yesterday: string}} strings
 * @param {Date} now
 */
export function dayLabel(date, strings, now = new Date()) {
  if (dayKey(date) === dayKey(now)) return strings.today;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (dayKey(date) === dayKey(yesterday)) return strings.yesterday;
  const options = { weekday: "long", day: "numeric", month: "long" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  const label = new Intl.DateTimeFormat(pageLanguage(), options).format(date);
  // Russian weekdays are lower case; a separator reads as a heading.
  return label.charAt(0).toLocaleUpperCase() + label.slice(1);
}

/** A message's time of day, "14:05" or "2:05 PM" by the page's language. */
export function timeLabel(date) {
  return new Intl.DateTimeFormat(pageLanguage(), { hour: "numeric", minute: "2-digit" }).format(
    date,
  );
}

/** The full date and time, for a <time>'s title. */
export function fullLabel(date) {
  return new Intl.DateTimeFormat(pageLanguage(), { dateStyle: "full", timeStyle: "short" }).format(
    date,
  );
}

/** A Date from an ISO timestamp, or null. */
export function parseTs(ts) {
  if (!ts) return null;
  const date = new Date(ts);
  return isNaN(date) ? null : date;
}

/** Up to two initials of a name: "Ann Lee" → "AL", "bob" → "B". */
export function initials(name) {
  const words = String(name ?? "?")
    .split(/[\s._-]+/u)
    .filter(Boolean);
  const letters = words.slice(0, 2).map((word) => Array.from(word)[0]);
  return (letters.join("") || "?").toLocaleUpperCase();
}

/** The avatar colour class of a user id (the same id, the same colour,
 * whatever the name); the name's characters when there is no id. */
export function avatarClass(userId, name) {
  let n = Number(userId);
  if (!Number.isFinite(n)) {
    n = 0;
    for (const ch of String(name ?? "")) n = (n * 31 + ch.codePointAt(0)) >>> 0;
  }
  return "avatar-" + (Math.abs(Math.trunc(n)) % AVATAR_COLOURS);
}

// The usernames one mention token may stand for, as the server tries them.
function mentionCandidates(token) {
  return [token, token.replace(MENTION_TRAILING, "")];
}

/** Whether `text` mentions `username` (as the server would notify). */
export function mentions(text, username) {
  for (const match of String(text).matchAll(MENTION_RE)) {
    if (mentionCandidates(match[1]).includes(username)) return true;
  }
  return false;
}

// A link to another site: `webUrl` passed isWebUrl (http or https only).
function link(webUrl) {
  const a = document.createElement("a");
  a.href = webUrl;
  a.rel = LINK_REL;
  a.target = "_blank";
  a.textContent = webUrl;
  return a;
}

function isWebUrl(text) {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

// Text with mentions marked: "@name" in a <span class="mention"> (and
// "mention me" when it is the reader).
function appendMentions(parent, text, username) {
  let at = 0;
  for (const match of text.matchAll(MENTION_RE)) {
    const token = match[1];
    const me = mentionCandidates(token).includes(username);
    // Trailing punctuation ends the sentence unless it is the reader's name.
    const shown = "@" + (me && token === username ? token : token.replace(MENTION_TRAILING, ""));
    parent.append(text.slice(at, match.index));
    const span = document.createElement("span");
    span.className = me ? "mention me" : "mention";
    span.textContent = shown;
    parent.append(span);
    at = match.index + shown.length;
  }
  parent.append(text.slice(at));
}

/**
 * Fill `parent` with `text`: http(s) URLs become links (target=_blank,
 * rel LINK_REL), "@username" mentions are marked, the rest is text.
 *
 * @param {HTMLElement} parent emptied first
 * @param {string} text the message's text, as the server stored it
 * @param {string} username the reader's username (their mentions stand out)
 */
export function renderText(parent, text, username) {
  parent.replaceChildren();
  let at = 0;
  for (const match of text.matchAll(URL_RE)) {
    let url = match[0];
    const trailing = url.match(URL_TRAILING);
    // A ")" that closes a "(" inside the URL belongs to it (Wikipedia's).
    if (trailing && !(trailing[0].startsWith(")") && url.includes("("))) {
      url = url.slice(0, -trailing[0].length);
    }
    if (!isWebUrl(url)) continue;
    appendMentions(parent, text.slice(at, match.index), username);
    parent.append(link(url));
    at = match.index + url.length;
  }
  appendMentions(parent, text.slice(at), username);
}

/**
 * Fill `parent` with a message's formatting: the HTML the server rendered
 * and sanitized (a Markdown subset, parley/wire/formatting.py; nothing but
 * its allow-listed tags and attributes). It is parsed in an inert document
 * (one that runs no script and loads nothing) and its nodes moved in; the
 * reader's mentions are marked "mention me".
 *
 * @param {HTMLElement} parent emptied first
 * @param {string} html the message's `html`, as the server stored it
 * @param {string} username the reader's username
 */
export function renderHtml(parent, html, username) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  parent.replaceChildren(...parsed.body.childNodes);
  for (const span of parent.querySelectorAll("span.mention[data-user]")) {
    span.classList.toggle("me", mentionCandidates(span.dataset.user).includes(username));
  }
}
