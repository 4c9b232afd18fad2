// The room page's client: history over HTTP, live messages over the page's
// socket (socket.js, opened by live.js with the bell and the room badges).
//
// Guarantees it keeps (docs/protocol.md):
// - each message is shown once, in seq order: a seq already shown is skipped,
//   and a line waiting to be sent is replaced by its stored message, matched
//   by the client_id its ack and message frame carry;
// - after a dropped socket (socket.js reconnects) it resubscribes with
//   `after` = the last seq it holds, so the server replays exactly the gap;
// - a send is kept in sessionStorage until acknowledged, so it survives a
//   dropped socket and a reload, and is resent with its client_id (the
//   server stores it once however often it arrives); one the server refuses
//   is marked failed, to retry or discard;
// - edits and deletions apply live (`edited`, `deleted`) and history shows
//   the latest state;
// - the read position is stored (`read`) only for what the user can have
//   seen: the tab is visible and the list scrolled to its bottom.
// User text only ever reaches the page through textContent.
"use strict";

import { api, button, format, readConfig, safePath, signIn, startLive } from "./live.js";

const config = readConfig("parley-config");
const S = config.strings;
const list = document.getElementById("messages");
const form = document.getElementById("composer");
const input = document.getElementById("message-input");
const status = document.getElementById("connection");
const onlineList = document.getElementById("online");
const typingLine = document.getElementById("typing");

// Unsent messages, across reloads of this tab: [{client_id, room, text,
// failed?, at}]. Failed ones are kept a while, not forever.
const OUTBOX_KEY = "parley:outbox";
const FAILED_TTL_MS = 60 * 60 * 1000;
const SUBSCRIBE_REF = "subscribe";
// Refs of edit and delete frames: the prefix and the message's id.
const EDIT_REF = "edit-";
const DELETE_REF = "delete-";

const shown = new Map(); // seq -> <li> of a stored message
const outbox = new Map(); // client_id -> {text, li, state, at}, in send order
const typers = new Map(); // username -> timer that hides their indicator
let maxShownSeq = null;
let lastSeq = null; // highest seq held with nothing missing below it
let oldestSeq = null;
let hasOlder = true;
let historyLoaded = false;
let latestLoading = null;
let loadingOlder = false;
let connection = null; // the page's socket, once history is loaded
let subscribedAfter; // the `after` of the subscribe last sent on this socket
let subscribedNow = false; // `subscribed` answered on the current socket
let readSeq = 0; // the read position the server holds (or was sent)
let typingSentAt = -Infinity;
let roomGone = false;

function setStatus(text, state) {
  status.textContent = text;
  status.dataset.state = state;
}

function send(frame) {
  return connection !== null && connection.send(frame);
}

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function formatTime(ts) {
  const date = new Date(ts);
  return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function messageItem(author, text, ts) {
  const li = document.createElement("li");
  li.className = "message";
  const who = document.createElement("span");
  who.className = "author";
  who.textContent = author ?? S.deletedUser;
  const when = document.createElement("time");
  when.className = "ts";
  if (ts) {
    when.dateTime = ts;
    when.textContent = formatTime(ts);
  }
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  li.append(who, when, body);
  return li;
}

function nearBottom() {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

// Lines of this tab's own unsent messages stay below every stored one.
function firstLocal() {
  return list.querySelector(":scope > .local");
}

// Insert a stored message in seq order. A seq already shown is skipped,
// unless it is shown only from its ack: then the stored text replaces it.
// The local line of the same client_id goes away.
function showMessage(m, fromAck = false) {
  if (m.room !== config.room) return;
  const stick = nearBottom();
  settleLocal(m);
  const old = shown.get(m.seq);
  if (old && (fromAck || !old.dataset.fromAck)) return;
  const li = messageItem(m.author, m.text, m.ts);
  li.dataset.seq = m.seq;
  if (fromAck) li.dataset.fromAck = "1";
  decorate(li, m);
  if (old) {
    old.replaceWith(li);
  } else {
    let before = null;
    if (maxShownSeq === null || m.seq > maxShownSeq) {
      before = firstLocal();
      maxShownSeq = m.seq;
    } else {
      for (const [seq, other] of shown) {
        if (seq > m.seq && (before === null || seq < Number(before.dataset.seq))) before = other;
      }
    }
    list.insertBefore(li, before);
  }
  shown.set(m.seq, li);
  if (oldestSeq === null || m.seq < oldestSeq) oldestSeq = m.seq;
  if (stick) list.scrollTop = list.scrollHeight;
}

// A stored message that is one of ours: its local line is done.
function settleLocal(m) {
  const entry = m.client_id && outbox.get(m.client_id);
  if (!entry) return;
  entry.li.remove();
  outbox.delete(m.client_id);
  saveOutbox();
}

// --- edit and delete ---

// A stored message's state (edited, deleted) and the actions the user has
// on it: edit their own, delete their own or any in a room they own.
function decorate(li, m) {
  li.dataset.id = m.id;
  if (m.author != null) li.dataset.author = m.author;
  if (m.deleted) return showDeleted(li);
  if (m.edited_ts) markEdited(li, m.edited_ts);
  const mine = m.author === config.user;
  if (!mine && !config.isOwner) return;
  const actions = document.createElement("span");
  actions.className = "message-actions";
  if (mine) actions.append(button(S.edit, "link edit", () => startEdit(li)));
  actions.append(button(S.delete, "link delete", () => confirmDelete(li)));
  li.append(actions);
}

function markEdited(li, editedTs) {
  let marker = li.querySelector(".edited");
  if (!marker) {
    marker = document.createElement("span");
    marker.className = "edited";
    marker.textContent = S.edited;
    li.querySelector(".ts").after(marker);
  }
  marker.title = formatTime(editedTs);
}

function showDeleted(li) {
  li.classList.add("deleted");
  li.querySelectorAll(".message-actions, .editor, .edited, .confirm").forEach((el) => {
    el.remove();
  });
  const text = li.querySelector(".text");
  text.hidden = false;
  text.textContent = S.messageDeleted;
}

function actionError(li, message) {
  li.querySelector(".action-error")?.remove();
  if (!message) return;
  const why = document.createElement("span");
  why.className = "action-error";
  why.textContent = message;
  li.append(why);
}

function startEdit(li) {
  if (li.querySelector(".editor") || li.classList.contains("deleted")) return;
  const text = li.querySelector(".text");
  const editor = document.createElement("form");
  editor.className = "editor";
  const box = document.createElement("textarea");
  box.value = text.textContent;
  box.maxLength = config.maxChars;
  box.rows = 2;
  box.setAttribute("aria-label", S.editLabel);
  const save = document.createElement("button");
  save.type = "submit";
  save.textContent = S.save;
  const close = () => {
    editor.remove();
    text.hidden = false;
    actionError(li, null);
    input.focus();
  };
  editor.append(box, save, button(S.cancel, "link cancel", close));
  editor.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = box.value.trim();
    if (!value || value === text.textContent) return close();
    const frame = { type: "edit", id: Number(li.dataset.id), text: value };
    actionError(li, send({ ...frame, ref: EDIT_REF + li.dataset.id }) ? null : S.notConnected);
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      editor.requestSubmit();
    } else if (event.key === "Escape") {
      close();
    }
  });
  text.hidden = true;
  text.after(editor);
  box.focus();
}

function confirmDelete(li) {
  if (li.querySelector(".confirm")) return;
  const confirm = document.createElement("span");
  confirm.className = "confirm";
  const question = document.createElement("span");
  question.textContent = S.deleteQuestion;
  const yes = button(S.delete, "link confirm-delete", () => {
    const frame = { type: "delete", id: Number(li.dataset.id) };
    const sent = send({ ...frame, ref: DELETE_REF + li.dataset.id });
    actionError(li, sent ? null : S.notConnected);
  });
  confirm.append(
    question,
    yes,
    button(S.cancel, "link cancel", () => confirm.remove()),
  );
  li.append(confirm);
  yes.focus();
}

function onEdited(frame) {
  const li = shown.get(frame.seq);
  if (!li || li.classList.contains("deleted")) return;
  const text = li.querySelector(".text");
  text.textContent = frame.text;
  markEdited(li, frame.edited_ts);
  if (li.querySelector(".editor")) {
    li.querySelector(".editor").remove();
    text.hidden = false;
    actionError(li, null);
  }
}

function onDeleted(frame) {
  const li = shown.get(frame.seq);
  if (li) showDeleted(li);
}

// --- the outbox: messages typed here and not yet acknowledged ---

function readStored() {
  try {
    const all = JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || "[]");
    return Array.isArray(all) ? all.filter((e) => e && typeof e === "object") : [];
  } catch {
    return [];
  }
}

function expired(entry, now) {
  return entry.failed && !(now - entry.at < FAILED_TTL_MS);
}

function saveOutbox() {
  const now = Date.now();
  const mine = [];
  for (const [clientId, entry] of outbox) {
    mine.push({
      client_id: clientId,
      room: config.room,
      text: entry.text,
      failed: entry.state === "failed" || undefined,
      at: entry.at,
    });
  }
  const all = readStored()
    .filter((e) => e.room !== config.room && !expired(e, now))
    .concat(mine);
  try {
    if (all.length) sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(all));
    else sessionStorage.removeItem(OUTBOX_KEY);
  } catch (error) {
    console.warn("parley: cannot keep unsent messages", error);
  }
}

function localItem(clientId, text) {
  const li = messageItem(config.user, text, null);
  li.classList.add("local");
  li.dataset.clientId = clientId;
  return li;
}

function setPending(entry) {
  entry.state = "pending";
  entry.li.classList.remove("failed");
  entry.li.classList.add("pending");
  entry.li.querySelector(".ts").textContent = S.pending;
  entry.li.querySelectorAll(".reason, .actions").forEach((el) => el.remove());
}

function setFailed(clientId, entry, reason) {
  entry.state = "failed";
  entry.li.classList.remove("pending");
  entry.li.classList.add("failed");
  entry.li.querySelector(".ts").textContent = S.failed;
  entry.li.querySelectorAll(".reason, .actions").forEach((el) => el.remove());
  if (reason) {
    const why = document.createElement("span");
    why.className = "reason";
    why.textContent = reason;
    entry.li.append(why);
  }
  const actions = document.createElement("span");
  actions.className = "actions";
  if (!roomGone) actions.append(button(S.retry, "link retry", () => retry(clientId)));
  actions.append(button(S.discard, "link discard", () => discard(clientId)));
  entry.li.append(actions);
}

function queue(clientId, text, at) {
  const entry = { text, li: localItem(clientId, text), state: "pending", at, code: null };
  setPending(entry);
  outbox.set(clientId, entry);
  list.append(entry.li);
  return entry;
}

function transmit(clientId, entry) {
  if (entry.state === "pending") {
    send({ type: "send", room: config.room, text: entry.text, client_id: clientId });
  }
}

// Retry keeps the client_id, so a send that did reach the store is not
// stored twice; only a refused client_id is replaced.
function retry(clientId) {
  const entry = outbox.get(clientId);
  if (!entry || roomGone) return;
  outbox.delete(clientId);
  const id = entry.code === "client_id_reused" ? newClientId() : clientId;
  entry.li.dataset.clientId = id;
  entry.code = null;
  entry.at = Date.now();
  setPending(entry);
  outbox.set(id, entry); // now the newest: sent after the others
  list.append(entry.li);
  saveOutbox();
  transmit(id, entry);
  input.focus();
}

function discard(clientId) {
  const entry = outbox.get(clientId);
  if (!entry) return;
  entry.li.remove();
  outbox.delete(clientId);
  saveOutbox();
  input.focus();
}

function restoreOutbox() {
  const now = Date.now();
  for (const e of readStored()) {
    if (e.room !== config.room || expired(e, now)) continue;
    if (typeof e.client_id !== "string" || typeof e.text !== "string") continue;
    if (outbox.has(e.client_id)) continue;
    const entry = queue(e.client_id, e.text, Number(e.at) || now);
    if (e.failed) setFailed(e.client_id, entry, null);
  }
  saveOutbox(); // drops what expired
}

// --- history over HTTP ---

async function fetchPage(before, limit = config.pageSize) {
  const url = new URL(config.historyUrl, location.href);
  url.searchParams.set("limit", limit);
  if (before != null) url.searchParams.set("before", before);
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.status === 401 || response.status === 403) {
    signIn();
    throw new Error("signed out");
  }
  if (!response.ok) throw new Error("history: HTTP " + response.status);
  return response.json();
}

// Newest page first, then live: subscribe with after = the newest seq.
function loadLatest() {
  latestLoading ??= (async () => {
    try {
      const page = await fetchPage(null);
      page.messages
        .slice()
        .reverse()
        .forEach((m) => showMessage(m));
      const newest = page.messages.length ? page.messages[0].seq : 0;
      lastSeq = Math.max(lastSeq ?? 0, newest);
      historyLoaded = true;
      hasOlder = page.next_before !== null;
      if (!hasOlder) markStart();
      list.scrollTop = list.scrollHeight;
      await fillViewport();
    } finally {
      latestLoading = null;
    }
  })();
  return latestLoading;
}

// Scrolling up loads older pages; until the list can scroll, load them now.
async function fillViewport() {
  while (hasOlder && list.scrollHeight <= list.clientHeight) {
    const before = oldestSeq;
    await loadOlder();
    if (oldestSeq === before) break;
  }
}

// Page the messages in (from, to] over HTTP: the server's resync hint.
async function fillRange(from, to) {
  let before = to + 1;
  while (before > from + 1) {
    const page = await fetchPage(before, config.pageMax);
    if (!page.messages.length) break;
    for (const m of page.messages) if (m.seq > from) showMessage(m);
    before = page.messages[page.messages.length - 1].seq;
    if (page.next_before === null) break;
  }
}

async function loadOlder() {
  if (!hasOlder || loadingOlder || oldestSeq === null) return;
  loadingOlder = true;
  const height = list.scrollHeight;
  try {
    const page = await fetchPage(oldestSeq);
    page.messages.forEach((m) => showMessage(m));
    hasOlder = page.next_before !== null;
    if (!hasOlder) markStart();
    list.scrollTop += list.scrollHeight - height;
  } finally {
    loadingOlder = false;
  }
}

function markStart() {
  if (list.querySelector(".start")) return;
  const li = document.createElement("li");
  li.className = "start";
  li.textContent = S.start;
  list.prepend(li);
}

// --- read position ---

// What the user can have seen is read: up to the last seq held, while the
// tab is visible and the list is at its bottom. The server keeps the
// position monotonic and tells every tab of this user (user frame `read`).
function markRead() {
  if (!subscribedNow || lastSeq === null || lastSeq <= readSeq) return;
  if (document.visibilityState !== "visible" || !nearBottom()) return;
  if (send({ type: "read", room: config.room, seq: lastSeq })) readSeq = lastSeq;
}

// --- who is online, who is typing ---

function setOnline(users) {
  onlineList.replaceChildren();
  for (const user of users) addOnline(user);
}

function addOnline(user) {
  if (findOnline(user)) return;
  const li = document.createElement("li");
  li.dataset.user = user;
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = user;
  li.append(name);
  // Guests (names with "#", see parley.services.guests) have no direct
  // conversations, and neither has a guest viewing the page.
  if (user !== config.user && config.canDirect && !user.includes("#")) {
    li.append(
      " ",
      button(S.messageUser, "link message-user", () => openDirect(li, user)),
    );
  }
  // In name order, as `subscribed.online` is.
  const after = [...onlineList.children].find((other) => other.dataset.user > user);
  onlineList.insertBefore(li, after ?? null);
}

function findOnline(user) {
  return [...onlineList.children].find((li) => li.dataset.user === user);
}

async function openDirect(li, user) {
  actionError(li, null);
  try {
    const room = await api(config.directUrl.replace("__user__", encodeURIComponent(user)), {
      method: "POST",
    });
    location.assign(safePath(room.url) ?? config.roomUrl.replace("__room__", room.slug));
  } catch (error) {
    actionError(li, error.message);
  }
}

function showTyping(user, seconds) {
  if (user === config.user) return; // the server echoes ours to us too
  clearTimeout(typers.get(user));
  typers.set(
    user,
    setTimeout(() => stopTyping(user), seconds * 1000),
  );
  renderTyping();
}

function stopTyping(user) {
  if (!typers.has(user)) return;
  clearTimeout(typers.get(user));
  typers.delete(user);
  renderTyping();
}

function renderTyping() {
  const [first, second] = typers.keys();
  let text = "";
  if (typers.size === 1) text = format(S.typingOne, { user: first });
  else if (typers.size === 2) text = format(S.typingTwo, { first, second });
  else if (typers.size > 2) text = format(S.typingMany, { first, second });
  typingLine.textContent = text;
}

// While the user types, others hear it at most once per throttle interval
// (the server drops extra frames too).
function typing() {
  const now = Date.now();
  if (!input.value.trim() || now - typingSentAt < config.typingThrottleMs) return;
  if (send({ type: "typing", room: config.room })) typingSentAt = now;
}

// --- invite (the owner of a private room) ---

function setupInvite() {
  const inviteForm = document.getElementById("invite");
  if (!inviteForm) return;
  const who = inviteForm.querySelector("input[name=username]");
  const result = document.getElementById("invite-result");
  inviteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = who.value.trim();
    if (!username) return;
    try {
      await api(config.membersUrl, { method: "POST", body: { username } });
      result.textContent = format(S.invited, { user: username });
      result.dataset.state = "ok";
      who.value = "";
    } catch (error) {
      result.textContent = error.message;
      result.dataset.state = "error";
    }
  });
}

// --- the socket ---

function subscribe() {
  subscribedAfter = lastSeq;
  send({ type: "subscribe", room: config.room, after: lastSeq, ref: SUBSCRIBE_REF });
}

function resubscribe() {
  if (subscribedAfter === lastSeq) return; // already asked for this replay
  subscribe();
}

const roomPart = {
  open() {
    subscribedNow = false;
    subscribe();
    // In order, after the subscribe: the server handles a socket's frames
    // one at a time, so the replay comes before their messages.
    for (const [clientId, entry] of outbox) transmit(clientId, entry);
  },
  frame(frame) {
    if (frame.type === "error") return onError(frame);
    // Frames of other rooms are the badges' (live.js); user frames too.
    if ("room" in frame && frame.room === config.room) onFrame(frame);
  },
};

function onFrame(frame) {
  switch (frame.type) {
    case "subscribed":
      subscribedAfter = undefined; // answered: a new hole may ask again
      subscribedNow = true;
      if (frame.resync && lastSeq !== null && frame.last_seq > lastSeq) {
        // Too much was missed to replay over the socket: page it over HTTP
        // while live messages after last_seq arrive here.
        const from = lastSeq;
        lastSeq = frame.last_seq;
        fillRange(from, frame.last_seq).catch((error) => {
          // Hold only what is complete, and ask again on a new socket
          // after a backoff (HTTP may be failing just now).
          console.error(error);
          lastSeq = Math.min(lastSeq, from);
          connection.restart();
        });
      } else if (lastSeq === null) {
        lastSeq = frame.last_seq;
      }
      // Otherwise the replayed messages follow and advance lastSeq.
      if (Array.isArray(frame.online)) setOnline(frame.online);
      readSeq = frame.read_seq ?? readSeq;
      if (!historyLoaded) loadLatest().catch(console.error);
      markRead();
      break;
    case "message":
      if (lastSeq !== null && frame.seq > lastSeq + 1) {
        // A hole: ask the server to replay from what we hold.
        resubscribe();
        return;
      }
      showMessage(frame);
      if (lastSeq === null || frame.seq > lastSeq) lastSeq = frame.seq;
      if (frame.author) stopTyping(frame.author);
      markRead();
      break;
    case "ack": {
      const entry = outbox.get(frame.client_id);
      if (!entry) return;
      // Stored: out of the outbox, never sent again. Shown in its place
      // now; its message frame, when it comes, takes that place (same seq).
      if (hasOlder && oldestSeq !== null && frame.seq < oldestSeq) {
        settleLocal(frame); // in history not loaded yet: it shows on scrolling up
      } else {
        showMessage({ ...frame, room: config.room, author: config.user, text: entry.text }, true);
      }
      break;
    }
    case "edited":
      onEdited(frame);
      break;
    case "deleted":
      onDeleted(frame);
      break;
    case "presence":
      if (frame.online) addOnline(frame.user);
      else findOnline(frame.user)?.remove();
      break;
    case "typing":
      showTyping(frame.user, Number(frame.expires_in) || config.typingTtlSecs);
      break;
    // pong, read, and frame types this page does not use, need nothing.
  }
}

function onError(frame) {
  if (frame.ref === SUBSCRIBE_REF) {
    if (frame.code === "room_not_found") {
      // Deleted, or no longer ours to read: retrying will not help.
      roomGone = true;
      connection.stop();
      setStatus(S.roomGone, "gone");
      for (const [clientId, entry] of outbox) setFailed(clientId, entry, null);
      saveOutbox();
      input.disabled = true;
      form.querySelector("button[type=submit]").disabled = true;
    } else {
      // internal_error and the like: try again later, on a new socket.
      console.warn("parley: subscribe failed:", frame.code, frame.message);
      connection.restart();
    }
    return;
  }
  for (const prefix of [EDIT_REF, DELETE_REF]) {
    if (typeof frame.ref === "string" && frame.ref.startsWith(prefix)) {
      const id = frame.ref.slice(prefix.length);
      const li = list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
      if (li) actionError(li, frame.message);
      return;
    }
  }
  const entry = frame.ref && outbox.get(frame.ref);
  if (entry && entry.state === "pending") {
    entry.code = frame.code;
    setFailed(frame.ref, entry, frame.message);
    saveOutbox();
  } else if (!String(frame.ref ?? "").startsWith("badge-")) {
    console.warn("parley:", frame.code, frame.message);
  }
}

// --- the page ---

function submit() {
  const text = input.value.trim();
  if (!text || roomGone) return;
  const clientId = newClientId();
  const entry = queue(clientId, text, Date.now());
  saveOutbox(); // before sending: a reload cannot lose it
  list.scrollTop = list.scrollHeight;
  input.value = "";
  transmit(clientId, entry);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
  input.focus();
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});
input.addEventListener("input", typing);
list.addEventListener("scroll", () => {
  if (list.scrollTop < 60) loadOlder().catch(console.error);
  markRead();
});
document.addEventListener("visibilitychange", markRead);
window.addEventListener("focus", markRead);
setupInvite();

restoreOutbox();
input.focus();
loadLatest()
  .catch((error) => console.error(error))
  .finally(() => {
    connection = startLive(roomPart, {
      room: config.room,
      onStatus: (text, state) => {
        if (!roomGone) setStatus(text, state);
      },
      probe: () => fetchPage(null, 1).catch(() => {}),
    });
  });
