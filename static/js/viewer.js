// The gallery's full-screen viewer. A tile's link still goes to the detail page; with this
// script a plain click opens the viewer instead. Each image's item (its picture, neighbours in
// the gallery's filter and order, and its information) comes from the server
// (gallery:image_viewer); the neighbours' items and pictures are loaded ahead.
// Keys: ← → previous/next, Esc closes, + - 0 zoom, i information. Pointer: swipe to move,
// wheel, pinch or double-click to zoom, drag to pan a zoomed picture.
(function () {
  "use strict";
  const dialog = document.getElementById("viewer");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const stage = document.getElementById("viewer-stage");
  const picture = document.getElementById("viewer-image");
  const info = document.getElementById("viewer-info");
  const title = document.getElementById("viewer-title");
  const status = document.getElementById("viewer-status");
  const detail = document.getElementById("viewer-detail");
  const zoomLabel = document.getElementById("viewer-zoom");
  const infoButton = dialog.querySelector("[data-viewer-action=info]");
  const MAX_SCALE = 8;
  const items = new Map(); // url -> Promise of the item's data
  let item = null; // the data of the image shown
  let scale = 1;
  let tx = 0;
  let ty = 0;
  let fitted = { width: 0, height: 0 };

  function load(url) {
    if (!items.has(url)) {
      const promise = fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then((response) => {
          if (!response.ok) throw new Error(`${response.status}`);
          return response.text();
        })
        .then((html) => {
          const article = new DOMParser().parseFromString(html, "text/html").getElementById("viewer-item");
          if (!article) throw new Error("no item");
          return { url, info: article, ...article.dataset };
        });
      promise.catch(() => items.delete(url)); // tried again next time
      items.set(url, promise);
    }
    return items.get(url);
  }

  function preload(url) {
    if (!url) return;
    load(url).then((data) => { if (data.src) new Image().src = data.src; }).catch(() => {});
  }

  let shown = 0; // the latest request: a slower answer to an earlier one is dropped
  async function show(url) {
    const request = ++shown;
    status.textContent = "Loading…";
    let data;
    try {
      data = await load(url);
    } catch (error) {
      if (request === shown) status.textContent = "This image could not be loaded.";
      return;
    }
    if (request !== shown || !dialog.open) return;
    item = data;
    dialog.dataset.id = data.id;
    title.textContent = data.title;
    detail.href = data.detail;
    info.replaceChildren(document.importNode(data.info, true));
    if (window.htmx) window.htmx.process(info); // the heart posts with htmx
    dialog.querySelector("[data-viewer-action=prev]").hidden = !data.prev;
    dialog.querySelector("[data-viewer-action=next]").hidden = !data.next;
    resetZoom();
    picture.removeAttribute("src");
    picture.alt = data.title;
    if (data.src) {
      status.textContent = "";
      picture.hidden = false;
      picture.src = data.src;
      fit();
    } else {
      picture.hidden = true;
      status.textContent = `${data.status}…`;
    }
    preload(data.next);
    preload(data.prev);
  }

  // The picture as large as the stage allows, keeping its shape (small ones are enlarged).
  function fit() {
    if (!item) return;
    const width = Number(item.width) || 1;
    const height = Number(item.height) || 1;
    const factor = Math.min(stage.clientWidth / width, stage.clientHeight / height);
    fitted = { width: Math.round(width * factor), height: Math.round(height * factor) };
    picture.style.width = `${fitted.width}px`;
    picture.style.height = `${fitted.height}px`;
    apply();
  }

  function clampPan() {
    const roomX = Math.max(0, (fitted.width * scale - stage.clientWidth) / 2);
    const roomY = Math.max(0, (fitted.height * scale - stage.clientHeight) / 2);
    tx = Math.min(Math.max(tx, -roomX), roomX);
    ty = Math.min(Math.max(ty, -roomY), roomY);
  }

  function apply() {
    clampPan();
    picture.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`;
    dialog.dataset.scale = scale.toFixed(3);
    dialog.classList.toggle("zoomed", scale > 1.001);
    zoomLabel.textContent = scale > 1.001 ? `${Math.round(scale * 100)} %` : "";
    // past the preview's own pixels, the full-size file where the browser can show it
    if (scale > 1.5 && item && item.full && picture.src.indexOf(item.full) < 0) {
      picture.src = item.full;
    }
  }

  function resetZoom() {
    scale = 1;
    tx = 0;
    ty = 0;
    apply();
  }

  // Zoom to `next`, keeping the point under (clientX, clientY) where it is.
  function zoomAt(next, clientX, clientY) {
    const rect = stage.getBoundingClientRect();
    const dx = clientX - (rect.left + rect.width / 2);
    const dy = clientY - (rect.top + rect.height / 2);
    const target = Math.min(Math.max(next, 1), MAX_SCALE);
    const ratio = target / scale;
    tx = dx - ratio * (dx - tx);
    ty = dy - ratio * (dy - ty);
    scale = target;
    apply();
  }

  function zoomCentre(factor) {
    const rect = stage.getBoundingClientRect();
    zoomAt(scale * factor, rect.left + rect.width / 2, rect.top + rect.height / 2);
  }

  // The back button (a phone's above all) closes the viewer instead of leaving the gallery:
  // opening adds a history entry, and going back from it closes the viewer; closing it
  // otherwise goes back over that entry.
  function open(url, opener) {
    dialog.opener = opener || null;
    if (!dialog.open) {
      dialog.showModal();
      history.pushState({ viewer: true }, "");
    }
    document.documentElement.classList.add("viewer-open");
    show(url);
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  // Added before htmx's own handler (htmx sets it up once the page is parsed): the entry gone
  // back to is still the gallery as it is, which htmx must not restore from its history.
  let leaving = false; // the viewer closed and went back over its entry itself
  window.addEventListener("popstate", (event) => {
    if (!dialog.open && !leaving) return;
    event.stopImmediatePropagation();
    leaving = false;
    if (dialog.open) dialog.close();
  });

  dialog.addEventListener("close", () => {
    if (history.state && history.state.viewer) {
      leaving = true;
      history.back();
    }
    document.documentElement.classList.remove("viewer-open");
    picture.removeAttribute("src");
    // back on the tile of the image last shown, where the grid has it
    const tile = item && document.getElementById(`image-${item.id}`);
    const link = tile && tile.querySelector("a[data-viewer]");
    if (link) {
      tile.scrollIntoView({ block: "nearest" });
      link.focus({ preventScroll: true });
    } else if (dialog.opener) {
      dialog.opener.focus({ preventScroll: true });
    }
    item = null;
  });

  function step(direction) {
    const url = item && (direction > 0 ? item.next : item.prev);
    if (url) show(url);
  }

  function toggleInfo(force) {
    const visible = typeof force === "boolean" ? force : info.hidden;
    info.hidden = !visible;
    infoButton.setAttribute("aria-pressed", String(visible));
    dialog.classList.toggle("with-info", visible);
    fit();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("#grid a[data-viewer]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return; // a new tab
    event.preventDefault();
    open(link.dataset.viewer, link);
  });

  dialog.addEventListener("click", (event) => {
    const button = event.target.closest("[data-viewer-action]");
    if (!button) return;
    const action = button.dataset.viewerAction;
    if (action === "close") close();
    else if (action === "prev") step(-1);
    else if (action === "next") step(1);
    else if (action === "info") toggleInfo();
    else if (action === "zoom-in") zoomCentre(1.5);
    else if (action === "zoom-out") zoomCentre(1 / 1.5);
  });

  dialog.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select")) return;
    const actions = {
      ArrowLeft: () => step(-1),
      ArrowRight: () => step(1),
      "+": () => zoomCentre(1.5),
      "=": () => zoomCentre(1.5),
      "-": () => zoomCentre(1 / 1.5),
      0: resetZoom,
      i: () => toggleInfo(),
    };
    const action = actions[event.key];
    if (action && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      action();
    }
  });

  stage.addEventListener("wheel", (event) => {
    event.preventDefault();
    zoomAt(scale * Math.exp(-event.deltaY * 0.0015), event.clientX, event.clientY);
  }, { passive: false });

  stage.addEventListener("dblclick", (event) => {
    if (scale > 1.001) resetZoom();
    else zoomAt(2.5, event.clientX, event.clientY);
  });

  // Pointers: one drags (pans a zoomed picture, else swipes), two pinch.
  const pointers = new Map();
  let gesture = null;

  function pinchState() {
    const [a, b] = Array.from(pointers.values());
    return {
      distance: Math.hypot(a.x - b.x, a.y - b.y) || 1,
      x: (a.x + b.x) / 2,
      y: (a.y + b.y) / 2,
    };
  }

  stage.addEventListener("pointerdown", (event) => {
    if (event.button > 0) return;
    stage.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 2) {
      gesture = { kind: "pinch", start: pinchState(), scale, tx, ty };
    } else if (pointers.size === 1) {
      gesture = { kind: scale > 1.001 ? "pan" : "swipe", x: event.clientX, y: event.clientY, tx, ty };
    }
  });

  stage.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId) || !gesture) return;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (gesture.kind === "pinch" && pointers.size === 2) {
      const now = pinchState();
      scale = gesture.scale;
      tx = gesture.tx + now.x - gesture.start.x;
      ty = gesture.ty + now.y - gesture.start.y;
      zoomAt(gesture.scale * now.distance / gesture.start.distance, now.x, now.y);
    } else if (gesture.kind === "pan") {
      tx = gesture.tx + event.clientX - gesture.x;
      ty = gesture.ty + event.clientY - gesture.y;
      apply();
    } else if (gesture.kind === "swipe") {
      picture.style.transform = `translateX(${event.clientX - gesture.x}px)`;
    }
  });

  function endPointer(event) {
    if (!pointers.has(event.pointerId)) return;
    pointers.delete(event.pointerId);
    if (gesture && gesture.kind === "swipe") {
      const dx = event.clientX - gesture.x;
      const dy = event.clientY - gesture.y;
      gesture = null;
      apply();
      if (Math.abs(dx) > 60 && Math.abs(dx) > 1.5 * Math.abs(dy)) step(dx < 0 ? 1 : -1);
      else if (dy > 120 && dy > 2 * Math.abs(dx)) close(); // swipe down closes
      return;
    }
    if (pointers.size === 1 && gesture && gesture.kind === "pinch") {
      const [rest] = Array.from(pointers.values()); // the finger left pans on
      gesture = { kind: "pan", x: rest.x, y: rest.y, tx, ty };
    } else if (!pointers.size) {
      gesture = null;
    }
  }
  stage.addEventListener("pointerup", endPointer);
  stage.addEventListener("pointercancel", endPointer);

  window.addEventListener("resize", () => { if (dialog.open) fit(); });
})();
