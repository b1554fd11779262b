// Drop zone: each file is posted on its own so that it gets its own progress bar and result.
// Without JavaScript the form posts every file at once and the page shows the results.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const zone = form.querySelector("[data-dropzone]");
  const input = form.querySelector("input[type=file]");
  const list = document.getElementById("upload-results");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const parallel = 3;
  const queue = [];
  let running = 0;

  function row(file) {
    const item = document.createElement("li");
    item.className = "upload-result outcome-uploading";
    const name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload progress of " + file.name);
    item.append(name, bar);
    list.prepend(item);
    return { item, bar };
  }

  function send(file, view) {
    running += 1;
    const data = new FormData();
    data.append("files", file);
    data.append("csrfmiddlewaretoken", token);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("HX-Request", "true");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) view.bar.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("loadend", () => {
      running -= 1;
      // a 413 from the size limit carries its own result line, saying what the limit is
      const answered = request.status === 200 ||
        (request.status === 413 && request.responseText.trim().startsWith("<li"));
      if (answered) {
        const holder = document.createElement("ul");
        holder.innerHTML = request.responseText;
        const result = holder.firstElementChild;
        if (result) {
          view.item.replaceWith(result);
          if (window.htmx) window.htmx.process(result);
        }
      } else {
        view.item.className = "upload-result outcome-refused";
        view.bar.remove();
        const message = document.createElement("span");
        message.className = "result-message";
        message.textContent = request.status === 413
          ? "Refused: the file is too large." : "Upload failed (" + (request.status || "network error") + ").";
        view.item.append(message);
      }
      next();
    });
    request.send(data);
  }

  function next() {
    while (running < parallel && queue.length) {
      const job = queue.shift();
      send(job.file, job.view);
    }
  }

  function add(files) {
    for (const file of files) queue.push({ file, view: row(file) });
    next();
  }

  form.addEventListener("submit", (event) => {
    if (!input.files.length) return;
    event.preventDefault();
    add(Array.from(input.files));
    input.value = "";
  });
  input.addEventListener("change", () => {
    add(Array.from(input.files));
    input.value = "";
  });
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
  }));
  zone.addEventListener("drop", (event) => add(Array.from(event.dataTransfer.files)));
})();
