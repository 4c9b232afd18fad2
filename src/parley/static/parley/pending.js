// The room page's unsent messages: parley-client's Outbox (what was typed
// here and not yet acknowledged), kept in sessionStorage across reloads of
// the tab, with the retry / discard actions of a failed line. room.js owns
// the socket and hands each acknowledgement, stored message and refusal to
// the Outbox; this file keeps the lines in the list in step with it.
"use strict";

import { Outbox, restorableSends, storedSends } from "./parley-client.js";
import { browserTimers } from "./socket.js";

// Unsent messages, across reloads of this tab: parley-client's StoredSend
// list (failed ones are kept an hour, FAILED_TTL_MS).
const OUTBOX_KEY = "parley:outbox";

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The outbox as this tab keeps it across reloads (parsed, of any shape).
function readStored() {
  try {
    return JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || "[]");
  } catch {
    return [];
  }
}

export class PendingSends {
  /**
   * @param {string} room the room's slug
   * @param {{send: (frame: object) => boolean, messages: object,
   *          focus: () => void, roomGone: () => boolean}} hooks
   *   send: writes a frame to the page's socket (false when closed);
   *   messages: the room's MessageList; focus: back to the message box;
   *   roomGone: true once the room is gone (no retry is offered then).
   */
  constructor(room, { send, messages, focus, roomGone }) {
    this.room = room;
    this.messages = messages;
    this.focus = focus;
    this.roomGone = roomGone;
    this.outbox = new Outbox({
      send,
      newClientId,
      timers: browserTimers,
      now: () => Date.now(),
      onChange: () => this.save(),
    });
  }

  // A stored message that is one of ours: its local line is done.
  settle(clientId) {
    if (this.outbox.settle(clientId)) this.messages.removeLocal(clientId);
  }

  save() {
    const all = storedSends(readStored(), this.room, this.outbox.entries(), Date.now());
    try {
      if (all.length) sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(all));
      else sessionStorage.removeItem(OUTBOX_KEY);
    } catch (error) {
      console.warn("parley: cannot keep unsent messages", error);
    }
  }

  // What a failed line offers: retry (unless the room is gone), discard.
  lineActions() {
    return {
      retry: this.roomGone() ? null : (clientId) => this.retry(clientId),
      discard: (clientId) => this.discard(clientId),
    };
  }

  // Retry keeps the client_id, so a send that did reach the store is not
  // stored twice (the outbox replaces only a refused one).
  retry(clientId) {
    if (this.roomGone()) return;
    const entry = this.outbox.retry(clientId);
    if (entry) this.messages.renewLocal(clientId, entry);
    this.focus();
  }

  discard(clientId) {
    this.outbox.discard(clientId);
    this.messages.removeLocal(clientId);
    this.focus();
  }

  // The sends of this room kept by an earlier load of the tab, shown again
  // (and sent again once the socket opens, with their client_id).
  restore() {
    for (const send of restorableSends(readStored(), this.room, Date.now())) {
      if (this.outbox.get(send.client_id)) continue;
      const options = {
        clientId: send.client_id,
        at: send.at,
        failed: Boolean(send.failed),
        attachments: Array.isArray(send.attachments) ? send.attachments : [],
        replyTo: send.reply_to ?? null,
      };
      this.messages.addLocal(this.outbox.add(send.room, send.text, options), this.lineActions());
    }
    this.save(); // drops what expired
  }
}
