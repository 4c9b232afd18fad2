// The room page's client: history over HTTP, live messages over /ws/.
//
// Guarantees it keeps (docs/protocol.md):
// - each message is shown once, in seq order: a seq already shown is skipped,
//   and a line waiting to be sent is replaced by its stored message, matched
//   by the client_id its ack and message frame carry;
// - after a dropped socket it reconnects (exponential backoff with jitter;
//   at once when the browser comes back online or the server asks for it
//   with close code 4000/1001) and resubscribes with `after` = the last seq
//   it holds, so the server replays exactly the gap;
// - a send is kept in sessionStorage until acknowledged, so it survives a
//   dropped socket and a reload, and is resent with its client_id (the
//   server stores it once however often it arrives); one the server refuses
//   is marked failed, to retry or discard;
// - a socket that stops answering pings is treated as dead (a half-open TCP
//   connection otherwise looks connected forever).
// User text only ever reaches the page through textContent.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("parley-config").textContent);
  const S = config.strings;
  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("message-input");
  const status = document.getElementById("connection");

  // Backoff: 0.5 s doubling to 30 s, with "full jitter" (AWS Architecture
  // Blog, "Exponential Backoff And Jitter") so reconnecting tabs spread out.
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_MAX_MS = 30000;
  // A socket that stayed open this long was healthy: its loss starts the
  // backoff afresh. (Resetting on mere `open` would let a server that
  // accepts and then closes at once be hammered.)
  const STABLE_MS = 10000;
  // Close codes (parley.realtime.protocol.CloseCode, docs/protocol.md)
  // after which the server wants us back at once: the ceiling of the random
  // wait before reconnecting. Any other close (1013 "try again later"
  // included) waits out the backoff.
  const PROMPT_JITTER_MS = {
    4000: 250, // resume: this socket fell behind
    1001: 1000, // going away: the server restarts, so its clients spread out
  };
  // Keepalive: a ping every interval; a ping still unanswered (no frame of
  // any kind since) one interval later means the connection is dead.
  const PING_INTERVAL_MS = 25000;
  // Unsent messages, across reloads of this tab: [{client_id, room, text,
  // failed?, at}]. Failed ones are kept a while, not forever.
  const OUTBOX_KEY = "parley:outbox";
  const FAILED_TTL_MS = 60 * 60 * 1000;
  const SUBSCRIBE_REF = "subscribe";

  const shown = new Map(); // seq -> <li> of a stored message
  const outbox = new Map(); // client_id -> {text, li, state, at}, in send order
  let maxShownSeq = null;
  let lastSeq = null; // highest seq held with nothing missing below it
  let oldestSeq = null;
  let hasOlder = true;
  let historyLoaded = false;
  let latestLoading = null;
  let loadingOlder = false;
  let socket = null;
  let openedAt = null; // when the current socket opened
  let everOpened = false;
  let attempt = 0;
  let reconnectTimer = null;
  let keepaliveTimer = null;
  let awaitingPong = false;
  let subscribedAfter; // the `after` of the subscribe last sent on this socket
  let roomGone = false;

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
    if (!roomGone) actions.append(actionButton(S.retry, "retry", () => retry(clientId)));
    actions.append(actionButton(S.discard, "discard", () => discard(clientId)));
    entry.li.append(actions);
  }

  function actionButton(label, name, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link " + name;
    button.textContent = label;
    button.addEventListener("click", onClick);
    return button;
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
      location.assign(config.loginUrl + "?next=" + encodeURIComponent(location.pathname));
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
        page.messages.slice().reverse().forEach((m) => showMessage(m));
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

  // --- the socket ---

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function subscribe() {
    subscribedAfter = lastSeq;
    send({ type: "subscribe", room: config.room, after: lastSeq, ref: SUBSCRIBE_REF });
  }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (roomGone || socket) return;
    if (!navigator.onLine) {
      setStatus(S.offline, "offline");
      return;
    }
    setStatus(everOpened ? S.reconnecting : S.connecting, "connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + config.socketPath);
    socket = ws;
    ws.addEventListener("open", () => {
      if (ws !== socket) return;
      openedAt = Date.now();
      everOpened = true;
      setStatus(S.connected, "open");
      subscribe();
      // In order, after the subscribe: the server handles a socket's frames
      // one at a time, so the replay comes before their messages.
      for (const [clientId, entry] of outbox) transmit(clientId, entry);
      startKeepalive(ws);
    });
    ws.addEventListener("message", (event) => {
      if (ws !== socket) return;
      awaitingPong = false; // any frame shows the connection is alive
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        console.warn("parley: a frame that is not JSON");
        return;
      }
      onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (ws !== socket) return; // one we dropped on purpose
      const refused = openedAt === null;
      forgetSocket();
      scheduleReconnect(event.code);
      // A refused handshake looks like any failed connection here; HTTP
      // tells whether we were signed out (fetchPage then goes to sign in).
      if (refused && attempt > 1) fetchPage(null, 1).catch(() => {});
    });
  }

  // The current socket is done; if it was healthy, back off afresh.
  function forgetSocket() {
    if (openedAt !== null && Date.now() - openedAt >= STABLE_MS) attempt = 0;
    openedAt = null;
    socket = null;
    stopKeepalive();
  }

  // Forget the socket (its late events are ignored) and close it.
  function dropSocket() {
    const ws = socket;
    forgetSocket();
    if (ws) {
      try {
        ws.close();
      } catch {
        // closing a socket that never opened may throw in old browsers
      }
    }
  }

  function backoff(n) {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** n);
  }

  function scheduleReconnect(code) {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (roomGone) return;
    if (!navigator.onLine) {
      setStatus(S.offline, "offline"); // the `online` event reconnects
      return;
    }
    // Prompt only the first time in a row: a server that keeps closing
    // sockets at once gets the backoff.
    const prompt = attempt === 0 && code in PROMPT_JITTER_MS;
    const delay = Math.random() * (prompt ? PROMPT_JITTER_MS[code] : backoff(attempt));
    attempt += 1;
    setStatus(S.reconnecting, "closed");
    reconnectTimer = setTimeout(connect, delay);
  }

  function startKeepalive(ws) {
    stopKeepalive();
    awaitingPong = false;
    keepaliveTimer = setInterval(() => {
      if (ws !== socket) return stopKeepalive();
      if (awaitingPong) {
        // A whole interval without a frame, not even the pong: a dead
        // connection the browser has not noticed. Start over.
        console.warn("parley: no answer to ping; reconnecting");
        dropSocket();
        scheduleReconnect(null);
        return;
      }
      awaitingPong = true;
      send({ type: "ping" });
    }, PING_INTERVAL_MS);
  }

  function stopKeepalive() {
    clearInterval(keepaliveTimer);
    keepaliveTimer = null;
  }

  function resubscribe() {
    if (subscribedAfter === lastSeq) return; // already asked for this replay
    subscribe();
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "subscribed":
        if (frame.room !== config.room) return;
        subscribedAfter = undefined; // answered: a new hole may ask again
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
            dropSocket();
            scheduleReconnect(null);
          });
        } else if (lastSeq === null) {
          lastSeq = frame.last_seq;
        }
        // Otherwise the replayed messages follow and advance lastSeq.
        if (!historyLoaded) loadLatest().catch(console.error);
        break;
      case "message":
        if (frame.room !== config.room) return;
        if (lastSeq !== null && frame.seq > lastSeq + 1) {
          // A hole: ask the server to replay from what we hold.
          resubscribe();
          return;
        }
        showMessage(frame);
        if (lastSeq === null || frame.seq > lastSeq) lastSeq = frame.seq;
        break;
      case "ack": {
        const entry = outbox.get(frame.client_id);
        if (!entry || (frame.room && frame.room !== config.room)) return;
        // Stored: out of the outbox, never sent again. Shown in its place
        // now; its message frame, when it comes, takes that place (same seq).
        if (hasOlder && oldestSeq !== null && frame.seq < oldestSeq) {
          settleLocal(frame); // in history not loaded yet: it shows on scrolling up
        } else {
          showMessage(
            { ...frame, room: config.room, author: config.user, text: entry.text },
            true,
          );
        }
        break;
      }
      case "error":
        onError(frame);
        break;
      // pong, and frame types this page does not use, need nothing.
    }
  }

  function onError(frame) {
    if (frame.ref === SUBSCRIBE_REF) {
      if (frame.code === "room_not_found") {
        // Deleted, or no longer ours to read: retrying will not help.
        roomGone = true;
        dropSocket();
        clearTimeout(reconnectTimer);
        setStatus(S.roomGone, "gone");
        for (const [clientId, entry] of outbox) setFailed(clientId, entry, null);
        saveOutbox();
        input.disabled = true;
        form.querySelector("button[type=submit]").disabled = true;
      } else {
        // internal_error and the like: try again later, on a new socket.
        console.warn("parley: subscribe failed:", frame.code, frame.message);
        dropSocket();
        scheduleReconnect(null);
      }
      return;
    }
    const entry = frame.ref && outbox.get(frame.ref);
    if (entry && entry.state === "pending") {
      entry.code = frame.code;
      setFailed(frame.ref, entry, frame.message);
      saveOutbox();
    } else {
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
  list.addEventListener("scroll", () => {
    if (list.scrollTop < 60) loadOlder().catch(console.error);
  });

  // The browser knows it has no network: say so at once, and do not wait
  // out a backoff when it is back.
  window.addEventListener("offline", () => {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    dropSocket();
    if (!roomGone) setStatus(S.offline, "offline");
  });
  window.addEventListener("online", () => {
    attempt = 0;
    if (!socket) connect();
  });

  restoreOutbox();
  input.focus();
  loadLatest()
    .catch((error) => console.error(error))
    .finally(connect);
})();
