// The room page's client: history over HTTP, live messages over /ws/.
//
// Guarantees it keeps (docs/protocol.md): each message is shown once, in seq
// order; after a dropped socket it resubscribes with `after` = the last seq
// it holds and the server replays the gap; unacknowledged sends are resent
// with their client_id (the server stores them once). User text only ever
// reaches the page through textContent.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("parley-config").textContent);
  const S = config.strings;
  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("message-input");
  const status = document.getElementById("connection");

  const shown = new Map(); // seq -> <li>
  const pending = new Map(); // client_id -> {text, li}
  let lastSeq = null; // highest seq held with nothing missing below it
  let oldestSeq = null;
  let hasOlder = true;
  let historyLoaded = false;
  let loadingOlder = false;
  let socket = null;
  let attempt = 0;

  // Backoff: 0.5 s doubling to 30 s, with "full jitter" (AWS Architecture
  // Blog, "Exponential Backoff And Jitter") so reconnecting tabs spread out.
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_MAX_MS = 30000;

  function setStatus(text, state) {
    status.textContent = text;
    status.dataset.state = state;
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

  // Insert a stored message in seq order; a seq already shown is skipped.
  function showMessage(m) {
    if (m.room !== config.room || shown.has(m.seq)) return;
    const stick = nearBottom();
    const li = messageItem(m.author, m.text, m.ts);
    li.dataset.seq = m.seq;
    const mine = m.client_id && pending.get(m.client_id);
    if (mine) {
      mine.li.remove();
      pending.delete(m.client_id);
    }
    let before = null;
    for (const [seq, other] of shown) {
      if (seq > m.seq && (before === null || seq < Number(before.dataset.seq))) before = other;
    }
    list.insertBefore(li, before ?? firstPending());
    shown.set(m.seq, li);
    if (oldestSeq === null || m.seq < oldestSeq) oldestSeq = m.seq;
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function firstPending() {
    for (const { li } of pending.values()) return li;
    return null;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  async function fetchPage(before) {
    const url = new URL(config.historyUrl, location.href);
    url.searchParams.set("limit", config.pageSize);
    if (before != null) url.searchParams.set("before", before);
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.status === 401 || response.status === 403) {
      location.assign("/accounts/login/?next=" + encodeURIComponent(location.pathname));
      throw new Error("signed out");
    }
    if (!response.ok) throw new Error("history: HTTP " + response.status);
    return response.json();
  }

  // Newest page first, then live: subscribe with after = the newest seq.
  async function loadLatest() {
    const page = await fetchPage(null);
    page.messages.slice().reverse().forEach(showMessage);
    const newest = page.messages.length ? page.messages[0].seq : 0;
    lastSeq = Math.max(lastSeq ?? 0, newest);
    historyLoaded = true;
    hasOlder = page.next_before !== null;
    if (!hasOlder) markStart();
    list.scrollTop = list.scrollHeight;
    await fillViewport();
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
      const page = await fetchPage(before);
      if (!page.messages.length) break;
      for (const m of page.messages) if (m.seq > from) showMessage(m);
      before = page.messages[page.messages.length - 1].seq;
    }
  }

  async function loadOlder() {
    if (!hasOlder || loadingOlder || oldestSeq === null) return;
    loadingOlder = true;
    const height = list.scrollHeight;
    try {
      const page = await fetchPage(oldestSeq);
      page.messages.forEach(showMessage);
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

  function connect() {
    setStatus(attempt ? S.reconnecting : S.connecting, "connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + config.socketPath);
    socket.addEventListener("open", () => {
      attempt = 0;
      setStatus(S.connected, "open");
      send({ type: "subscribe", room: config.room, after: lastSeq });
    });
    socket.addEventListener("message", (event) => onFrame(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      socket = null;
      setStatus(S.reconnecting, "closed");
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
      attempt += 1;
      setTimeout(connect, Math.random() * ceiling);
    });
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "subscribed":
        if (frame.room !== config.room) return;
        if (frame.resync) {
          // Too much was missed to replay over the socket: page it over HTTP.
          const from = lastSeq ?? 0;
          lastSeq = frame.last_seq;
          fillRange(from, frame.last_seq).catch(console.error);
        } else if (lastSeq === null) {
          lastSeq = frame.last_seq;
        }
        if (!historyLoaded) loadLatest().catch(console.error);
        // Otherwise the replayed messages follow and advance lastSeq.
        for (const [clientId, { text }] of pending) {
          send({ type: "send", room: config.room, text, client_id: clientId });
        }
        break;
      case "message":
        if (frame.room !== config.room) return;
        if (lastSeq !== null && frame.seq > lastSeq + 1) {
          // A hole: ask the server to replay from what we hold.
          send({ type: "subscribe", room: config.room, after: lastSeq });
          return;
        }
        showMessage(frame);
        if (lastSeq === null || frame.seq > lastSeq) lastSeq = frame.seq;
        break;
      case "ack":
        // The message frame (with our client_id) replaces the pending line.
        break;
      case "error": {
        const mine = frame.ref && pending.get(frame.ref);
        if (mine) {
          mine.li.classList.add("failed");
          mine.li.title = frame.message;
          mine.li.querySelector(".ts").textContent = S.failed;
          pending.delete(frame.ref);
        } else {
          console.warn("parley:", frame.code, frame.message);
        }
        break;
      }
    }
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    const clientId = newClientId();
    const li = messageItem(config.user, text, null);
    li.classList.add("pending");
    li.querySelector(".ts").textContent = S.pending;
    list.append(li);
    list.scrollTop = list.scrollHeight;
    pending.set(clientId, { text, li });
    input.value = "";
    send({ type: "send", room: config.room, text, client_id: clientId });
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
  list.addEventListener("scroll", () => {
    if (list.scrollTop < 60) loadOlder().catch(console.error);
  });

  input.focus();
  loadLatest()
    .catch((error) => console.error(error))
    .finally(connect);
})();
