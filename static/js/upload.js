// Drop zone: files, or whole folders (dropped, or chosen with the folder input), each sent in
// chunks that survive a dropped connection or a reload (gallery/chunked.py): the server says
// how far it has a file, and the upload goes on from there.
// One line of overall progress ("240 of 1,312, 3 refused"); the per-file results are folded
// away under it. Without JavaScript the form posts every file at once and the page shows them.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const zone = form.querySelector("[data-dropzone]");
  const input = form.querySelector("input[type=file][name=files]");
  const folderInput = document.getElementById("folder-input");
  const list = document.getElementById("upload-results");
  const details = document.getElementById("upload-details");
  const summary = document.getElementById("upload-summary");
  const summaryText = summary.querySelector("[data-summary]");
  const overall = summary.querySelector("progress");
  const fileCount = details.querySelector("[data-file-count]");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const startUrl = form.dataset.chunkedUrl;
  const parallel = 3;
  const pollingRows = 24; // rows past these stop asking for their image's status
  const openUpTo = 5; // a few files show their results; more are folded under the summary
  let folded = false; // the person opened or closed the list: leave it so
  const maxRetries = 8;
  const IMAGE_NAME = /\.(jpe?g|jpe|png|webp|gif|tiff?|bmp|heic|heif|avif)$/i;
  const queue = [];
  const counts = { total: 0, done: 0, stored: 0, duplicate: 0, refused: 0, failed: 0, skipped: 0 };
  const bytes = { total: 0, done: 0 }; // the bar moves by bytes, the line counts files
  const active = new Set();
  let running = 0;
  let processed = 0;
  const number = new Intl.NumberFormat("en");

  function render() {
    summary.hidden = counts.total === 0 && counts.skipped === 0;
    let sending = 0;
    for (const entry of active) sending += entry.sent;
    overall.max = Math.max(bytes.total, 1);
    overall.value = bytes.done + sending;
    const parts = [number.format(counts.done) + " of " + number.format(counts.total)];
    if (counts.refused) parts.push(number.format(counts.refused) + " refused");
    if (counts.duplicate) parts.push(number.format(counts.duplicate) + " already in the gallery");
    if (counts.failed) parts.push(number.format(counts.failed) + " failed");
    if (counts.skipped) parts.push(number.format(counts.skipped) + " skipped (not images)");
    summaryText.textContent = parts.join(", ");
    summary.classList.toggle("upload-complete", counts.done === counts.total && running === 0);
    fileCount.textContent = number.format(list.children.length);
    if (!folded) details.open = counts.total <= openUpTo;
  }

  function row(name) {
    const item = document.createElement("li");
    item.className = "upload-result outcome-uploading";
    const label = document.createElement("span");
    label.className = "file-name";
    label.textContent = name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload progress of " + name);
    item.append(label, bar);
    list.prepend(item);
    return { item, bar };
  }

  function settle(view, html) {
    const holder = document.createElement("ul");
    holder.innerHTML = html;
    const result = holder.firstElementChild;
    if (!result) return fail(view, "The server sent no result.");
    const outcome = ["stored", "duplicate", "refused"].find((name) =>
      result.classList.contains("outcome-" + name)) || "failed";
    counts[outcome] += 1;
    processed += 1;
    if (processed > pollingRows) {
      for (const status of result.querySelectorAll(".image-status[hx-get]")) {
        status.removeAttribute("hx-get");
        status.removeAttribute("hx-trigger");
        const badge = status.querySelector(".badge");
        if (badge) badge.textContent = "Processing in the background";
      }
    }
    view.item.replaceWith(result);
    if (window.htmx) window.htmx.process(result);
  }

  function fail(view, message) {
    counts.failed += 1;
    view.item.className = "upload-result outcome-refused";
    view.bar.remove();
    const text = document.createElement("span");
    text.className = "result-message";
    text.textContent = message;
    view.item.append(text);
  }

  // One request; resolves with {status, json | html}, or status 0 when the connection dropped.
  function request(method, url, body, headers, onProgress) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("X-CSRFToken", token);
      xhr.setRequestHeader("HX-Request", "true");
      for (const [name, value] of Object.entries(headers || {})) xhr.setRequestHeader(name, value);
      if (onProgress) xhr.upload.addEventListener("progress", (event) => onProgress(event.loaded));
      xhr.addEventListener("loadend", () => {
        const type = xhr.getResponseHeader("Content-Type") || "";
        const answer = { status: xhr.status };
        if (type.startsWith("application/json")) {
          try { answer.json = JSON.parse(xhr.responseText); } catch (error) { answer.status = 0; }
        } else if (xhr.status === 200 || xhr.status === 413) {
          answer.html = xhr.responseText;
        }
        resolve(answer);
      });
      xhr.send(body);
    });
  }

  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function send(entry, view) {
    const file = entry.file;
    const start = new FormData();
    start.append("name", file.name);
    start.append("size", String(file.size));
    start.append("key", entry.path + ":" + file.size + ":" + file.lastModified);
    let retries = 0;
    let begun = await request("POST", startUrl, start);
    while (begun.status === 0 || begun.status >= 500) {
      if (++retries > maxRetries) return fail(view, "Upload failed: the server did not answer.");
      await pause(Math.min(1000 * 2 ** retries, 30000));
      begun = await request("POST", startUrl, start);
    }
    if (begun.html) return settle(view, begun.html);
    if (!begun.json) return fail(view, "Upload failed (" + begun.status + ").");
    const url = startUrl + begun.json.id + "/";
    const chunk = begun.json.chunk;
    let offset = begun.json.offset;
    retries = 0;
    for (;;) {
      const end = Math.min(offset + chunk, file.size);
      const answer = await request("POST", url, file.slice(offset, end),
        { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
        (loaded) => {
          entry.sent = offset + loaded;
          view.bar.value = Math.round((entry.sent / file.size) * 100);
          render();
        });
      if (answer.html) return settle(view, answer.html);
      if (answer.json && (answer.status === 200 || answer.status === 409)) {
        offset = answer.json.offset;
        entry.sent = offset;
        retries = 0;
        view.bar.value = Math.round((offset / file.size) * 100);
        continue;
      }
      if (answer.status === 404) return fail(view, "Upload failed: the server forgot this file.");
      // the connection dropped or the server is away: ask where it stands, then go on
      if (++retries > maxRetries) return fail(view, "Upload failed: the connection kept dropping.");
      view.item.classList.add("upload-retrying");
      await pause(Math.min(500 * 2 ** retries, 30000));
      const where = await request("GET", url);
      if (where.json) offset = where.json.offset;
      view.item.classList.remove("upload-retrying");
    }
  }

  function next() {
    while (running < parallel && queue.length) {
      const entry = queue.shift();
      running += 1;
      entry.sent = 0;
      active.add(entry);
      send(entry, row(entry.path)).finally(() => {
        running -= 1;
        active.delete(entry);
        bytes.done += entry.file.size;
        counts.done += 1;
        render();
        next();
      });
    }
    render();
  }

  function add(entries) {
    for (const entry of entries) {
      const file = entry.file;
      if ((file.type && file.type.startsWith("image/")) || IMAGE_NAME.test(file.name)) {
        queue.push(entry);
        counts.total += 1;
        bytes.total += file.size;
      } else {
        counts.skipped += 1; // the server checks every file by content; these are not sent
      }
    }
    next();
  }

  function fromInput(files) {
    return Array.from(files).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  }

  // Folders dropped: walk their entries (readEntries answers in batches until it answers none).
  async function walk(entry, prefix, found) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      found.push({ file, path: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      let batch;
      do {
        batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        for (const child of batch) await walk(child, prefix + entry.name + "/", found);
      } while (batch.length);
    }
  }

  async function dropped(transfer) {
    // the entries must be taken while the drop event runs: read them before any await
    const entries = Array.from(transfer.items || []).map((item) =>
      item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null);
    if (!entries.length || entries.some((entry) => !entry)) return fromInput(transfer.files);
    const found = [];
    for (const entry of entries) {
      try { await walk(entry, "", found); } catch (error) { counts.failed += 1; }
    }
    return found;
  }

  form.addEventListener("submit", (event) => {
    if (!input.files.length) return;
    event.preventDefault();
    add(fromInput(input.files));
    input.value = "";
  });
  input.addEventListener("change", () => {
    add(fromInput(input.files));
    input.value = "";
  });
  if (folderInput) {
    folderInput.addEventListener("change", () => {
      add(fromInput(folderInput.files));
      folderInput.value = "";
    });
  }
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
  }));
  zone.addEventListener("drop", (event) => {
    dropped(event.dataTransfer).then(add);
  });
  details.querySelector("summary").addEventListener("click", () => { folded = true; });
  render();
})();
