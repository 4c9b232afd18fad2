// The notification settings page (/settings/notifications/): saves the
// per-kind and per-room choices through the API, and turns push on or off
// in this browser. The browser's permission is asked only when the user
// clicks "Turn on" (a user gesture), never on load.
"use strict";

import { format, httpClient, readConfig, startLive } from "./live.js";

const page = readConfig("parley-page");
const config = readConfig("parley-push");
const S = config.strings;
const { api } = startLive(page, { http: httpClient(page.loginUrl) });

const form = document.getElementById("notification-settings");
const settingsStatus = document.getElementById("settings-status");
const pushStatus = document.getElementById("push-status");
const enableButton = document.getElementById("push-enable");
const disableButton = document.getElementById("push-disable");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const kinds = [...form.querySelectorAll("tr[data-kind]")].map((row) => {
    const setting = { kind: row.dataset.kind };
    for (const box of row.querySelectorAll("input[data-channel]")) {
      setting[box.dataset.channel] = box.checked;
    }
    return setting;
  });
  const mutedRooms = [...form.querySelectorAll("input[data-room]")]
    .filter((box) => box.checked)
    .map((box) => box.dataset.room);
  settingsStatus.textContent = "";
  try {
    await api(config.settingsUrl, {
      method: "PUT",
      body: { kinds, muted_rooms: mutedRooms },
    });
    settingsStatus.textContent = S.saved;
  } catch (error) {
    settingsStatus.textContent = format(S.saveFailed, { message: error.message });
  }
});

/** The key as the bytes `PushManager.subscribe` takes. */
function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

function showPush(on, text) {
  pushStatus.textContent = text;
  enableButton.hidden = on;
  disableButton.hidden = !on;
}

async function registration() {
  return navigator.serviceWorker.register(config.workerUrl, { scope: "/" });
}

async function enablePush() {
  // Asked here, in the click's handler: browsers refuse (or penalise) a
  // permission prompt that no gesture asked for.
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    showPush(false, S.pushDenied);
    return;
  }
  try {
    const worker = await registration();
    await navigator.serviceWorker.ready;
    const { public_key: publicKey } = await api(config.keyUrl);
    const subscription =
      (await worker.pushManager.getSubscription()) ??
      (await worker.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(publicKey),
      }));
    await api(config.subscriptionsUrl, { method: "POST", body: subscription.toJSON() });
    showPush(true, S.pushOn);
  } catch (error) {
    showPush(false, format(S.pushFailed, { message: error.message }));
  }
}

async function disablePush() {
  const worker = await registration();
  const subscription = await worker.pushManager.getSubscription();
  if (subscription) {
    await api(config.subscriptionsUrl, {
      method: "DELETE",
      body: { endpoint: subscription.endpoint },
    }).catch(() => {});
    await subscription.unsubscribe();
  }
  showPush(false, S.pushOff);
}

async function start() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    enableButton.hidden = true;
    pushStatus.textContent = S.pushUnsupported;
    return;
  }
  enableButton.addEventListener("click", enablePush);
  disableButton.addEventListener("click", disablePush);
  // Registering asks nothing of the user; the permission waits for a click.
  const worker = await registration();
  const subscribed = await worker.pushManager.getSubscription();
  if (Notification.permission === "denied") showPush(false, S.pushDenied);
  else showPush(Boolean(subscribed), subscribed ? S.pushOn : S.pushOff);
}

start();
