// The room owner's webhooks section in the members panel: the room's
// webhooks (name and URL) with a Remove button each, and a form to add one;
// a new webhook's signing secret is shown once, right after it is made.
// Text reaches the page through textContent only.
"use strict";

import { button } from "./live.js";

/**
 * Wire the section, if the page has it (the room's owner).
 * @param {object} http the page's HTTP client (`api(url, {method, body})`)
 * @param {object} config the room's configuration (`webhooksUrl`, `webhookStrings`)
 * @param {(error: object) => string} reason an error's sentence
 */
export function setupWebhooks(http, config, reason) {
  const section = document.getElementById("webhooks");
  if (!section) return;
  const S = config.webhookStrings;
  const list = document.getElementById("webhook-list");
  const form = document.getElementById("webhook-form");
  const result = document.getElementById("webhook-result");

  const say = (text, state) => {
    result.replaceChildren(text);
    result.dataset.state = state;
  };

  const item = (hook) => {
    const li = document.createElement("li");
    li.dataset.id = hook.id;
    const name = document.createElement("span");
    name.className = "webhook-name";
    name.dir = "auto";
    name.textContent = hook.name;
    const url = document.createElement("span");
    url.className = "webhook-url";
    url.textContent = hook.url;
    url.title = hook.url;
    const remove = button(S.remove, "link danger webhook-remove", async () => {
      try {
        await http.api(`${config.webhooksUrl}/${hook.id}`, { method: "DELETE" });
        say(S.removed, "ok");
        await load();
      } catch (error) {
        say(reason(error), "error");
      }
    });
    li.append(name, url, remove);
    return li;
  };

  const load = async () => {
    const hooks = await http.api(config.webhooksUrl);
    const items = hooks.map(item);
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = S.none;
      items.push(li);
    }
    list.replaceChildren(...items);
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { url: form.elements.url.value.trim(), name: form.elements.name.value.trim() };
    try {
      const made = await http.api(config.webhooksUrl, { method: "POST", body });
      const secret = document.createElement("code");
      secret.className = "webhook-secret";
      secret.textContent = made.secret;
      say(S.added, "ok");
      result.append(" ", secret);
      form.reset();
      await load();
    } catch (error) {
      say(reason(error), "error");
    }
  });
  load().catch(console.error);
}
