// The room page's files. Attaching: the attach button, files dropped onto
// the conversation, an image pasted into the message box. Each file is
// uploaded at once (XMLHttpRequest, for its upload progress) and shown as a
// chip above the box, with a progress bar, removable until the message is
// sent; the send carries the ids of the finished uploads. Showing: a
// message's images as thumbnails that open the full image, other files as
// a download link with their name and size. The server sniffs each file's
// type and serves it with nosniff and a sandbox CSP (docs/security.md);
// names only ever become text nodes.
"use strict";

import { csrfToken, format, safePath } from "./live.js";
import { pageLanguage } from "./render.js";

// Largest side of a thumbnail as shown, in CSS pixels (the server's
// thumbnails are PARLEY_ATTACHMENT_THUMB_PX, 320 by default).
const THUMB_SHOW_PX = 240;

/** A size in bytes as people read it: "820 B", "14 kB", "3.2 MB". */
export function sizeLabel(bytes) {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"];
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(pageLanguage(), {
    style: "unit",
    unit: units[unit],
    unitDisplay: "short",
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}

/**
 * A message's files: `files` as the message frame carries them
 * (`{id, name, size, type, url, thumb_url?, width?, height?}`).
 *
 * @returns {HTMLUListElement}
 */
export function filesList(files) {
  const list = document.createElement("ul");
  list.className = "files";
  for (const file of files) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    // Paths of this site only (the server's URLs); anything else is dropped.
    const path = safePath(file.url);
    if (path === null) continue;
    link.href = path;
    const thumb = safePath(file.thumb_url);
    if (thumb !== null) {
      item.className = "file image";
      link.target = "_blank";
      link.rel = "noopener";
      const img = document.createElement("img");
      img.src = thumb;
      img.alt = file.name;
      img.loading = "lazy";
      const scale = Math.min(1, THUMB_SHOW_PX / Math.max(file.width || 1, file.height || 1));
      if (file.width && file.height) {
        img.width = Math.round(file.width * scale);
        img.height = Math.round(file.height * scale);
      }
      link.append(img);
    } else {
      item.className = "file";
      link.download = file.name;
      const name = document.createElement("span");
      name.className = "file-name";
      name.dir = "auto";
      name.textContent = file.name;
      const size = document.createElement("span");
      size.className = "file-size";
      size.textContent = sizeLabel(file.size);
      link.append(name, " ", size);
    }
    item.append(link);
    list.append(item);
  }
  return list;
}

/** The files about to be sent: uploads in progress, done or refused. */
export class AttachmentTray {
  /**
   * @param {object} config the room page's config: attachmentsUrl,
   *   attachmentMaxBytes, attachmentsMax and strings
   * @param {object} elements
   * @param {HTMLElement} elements.tray the list of chips
   * @param {HTMLInputElement} elements.picker the hidden file input
   * @param {HTMLButtonElement} elements.button the attach button: opens it
   * @param {HTMLTextAreaElement} elements.input the message box
   * @param {HTMLElement} elements.dropZone where files may be dropped
   */
  constructor(config, { tray, picker, button, input, dropZone }) {
    this.config = config;
    this.S = config.strings;
    this.tray = tray;
    this.uploads = []; // {li, xhr, file: server shape once done, failed}
    button.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      this.addFiles(picker.files);
      picker.value = "";
    });
    input.addEventListener("paste", (event) => {
      const files = event.clipboardData?.files;
      if (files && files.length) {
        event.preventDefault();
        this.addFiles(files);
      }
    });
    dropZone.addEventListener("dragover", (event) => {
      if (!event.dataTransfer?.types.includes("Files")) return;
      event.preventDefault();
      dropZone.classList.add("dropping");
    });
    dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dropping"));
    dropZone.addEventListener("drop", (event) => {
      dropZone.classList.remove("dropping");
      if (!event.dataTransfer?.files.length) return;
      event.preventDefault();
      this.addFiles(event.dataTransfer.files);
      input.focus();
    });
  }

  /** Ids of the finished uploads, in the order they were added. */
  ids() {
    return this.uploads.filter((u) => u.file).map((u) => u.file.id);
  }

  /** Whether a file is still uploading (the send waits for it). */
  busy() {
    return this.uploads.some((u) => !u.file && !u.failed);
  }

  /** Empty the tray (the message was sent). */
  clear() {
    for (const upload of this.uploads) upload.li.remove();
    this.uploads = [];
    this.tray.hidden = true;
  }

  addFiles(files) {
    for (const file of files) this.add(file);
  }

  add(file) {
    const S = this.S;
    const name = file.name || "image.png";
    const li = document.createElement("li");
    li.className = "chip";
    const label = document.createElement("span");
    label.className = "chip-name";
    label.dir = "auto";
    label.textContent = name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", format(S.uploading, { name }));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.textContent = "×";
    remove.setAttribute("aria-label", format(S.removeFile, { name }));
    li.append(label, progress, remove);
    this.tray.append(li);
    this.tray.hidden = false;
    const upload = { li, xhr: null, file: null, failed: false };
    this.uploads.push(upload);
    remove.addEventListener("click", () => {
      upload.xhr?.abort();
      if (upload.file) this.discard(upload.file.id);
      li.remove();
      this.uploads = this.uploads.filter((u) => u !== upload);
      if (!this.uploads.length) this.tray.hidden = true;
    });
    if (this.uploads.length > this.config.attachmentsMax) {
      return this.fail(upload, "too_many_attachments");
    }
    if (file.size > this.config.attachmentMaxBytes) {
      return this.fail(upload, "attachment_too_large");
    }
    this.send(upload, file, name, progress);
  }

  send(upload, file, name, progress) {
    const xhr = new XMLHttpRequest();
    upload.xhr = xhr;
    xhr.open("POST", this.config.attachmentsUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total;
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 201 && body && Number.isInteger(body.id)) {
        upload.file = body;
        progress.value = 100;
        upload.li.classList.add("done");
      } else {
        this.fail(upload, body?.code, body?.message);
      }
    });
    xhr.addEventListener("error", () => this.fail(upload, null));
    const form = new FormData();
    form.append("file", file, name);
    xhr.send(form);
  }

  // Delete a removed upload on the server (best effort: a failure leaves
  // an unsent file, which counts against PARLEY_ATTACHMENTS_UNSENT_MAX).
  discard(id) {
    fetch(this.config.attachmentUrlPrefix + id, {
      method: "DELETE",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    }).catch((error) => console.warn("parley: cannot remove the upload", error));
  }

  fail(upload, code, message = null) {
    upload.failed = true;
    upload.li.classList.add("failed");
    upload.li.querySelector("progress")?.remove();
    const reason = document.createElement("span");
    reason.className = "chip-error";
    reason.setAttribute("role", "alert");
    reason.textContent = this.S.errors[code] ?? message ?? this.S.uploadFailed;
    upload.li.querySelector(".chip-name").after(reason);
  }
}
