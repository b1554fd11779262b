// The editor: the recipe (ordered steps) lives here; the server renders every preview.
(function () {
  "use strict";
  const root = document.querySelector(".editor");
  if (!root) return;
  const $ = (selector, scope) => (scope || document).querySelector(selector);
  const $$ = (selector, scope) => Array.from((scope || document).querySelectorAll(selector));
  const previewForm = $("#preview-form");
  const saveRecipe = $("#save-recipe");
  const stage = $("#stage");
  const cropBox = $("#crop-box");
  const originalAspect = JSON.parse($("#original-width").textContent) /
    JSON.parse($("#original-height").textContent);
  const FULL = { x: 0, y: 0, width: 1, height: 1 };
  let recipe = JSON.parse($("#initial-recipe").textContent) || [];
  let undoStack = [];
  let redoStack = [];
  let current = null; // the op whose panel is open
  let crop = { ...FULL }; // fractions of the picture shown; the whole picture until one is drawn
  // The recipe of the picture shown: the original preview, or a compared version's own file.
  let posted = root.dataset.compare ? JSON.stringify(recipe) : "[]";

  function panel(op) { return $(`.op-panel[data-op="${op}"]`); }

  function readParams(op) {
    if (op === "crop") return cropParams();
    const params = {};
    $$("[name]", panel(op)).forEach((input) => {
      const kind = input.dataset.kind;
      if (kind === "bool") params[input.name] = input.checked;
      else if (kind === "int") params[input.name] = parseInt(input.value, 10);
      else if (kind === "float") params[input.name] = parseFloat(input.value);
      else params[input.name] = input.value;
    });
    return params;
  }

  // Four decimals, rounded so that the box never ends past the picture's edge.
  function cropParams() {
    const round = (value) => Math.round(value * 10000) / 10000;
    const x = round(crop.x);
    const y = round(crop.y);
    return { x, y, width: Math.min(round(crop.width), round(1 - x)),
             height: Math.min(round(crop.height), round(1 - y)) };
  }

  // A value the function needs and has no default for (a watermark's picture): until it is
  // filled in, the preview leaves the step out rather than show an error nobody caused.
  function missing(op) {
    return $$("[required]", panel(op)).filter((input) => !input.value.trim());
  }

  function pendingStep() {
    return current && !missing(current).length ? { op: current, params: readParams(current) } : null;
  }

  // The crop being drawn is not previewed: the box shows it on the uncropped picture.
  function refresh(withPending) {
    const steps = recipe.slice();
    const pending = withPending && current !== "crop" ? pendingStep() : null;
    if (pending) steps.push(pending);
    const json = JSON.stringify(steps);
    if (json !== posted) {
      posted = json;
      $("input[name=recipe]", previewForm).value = json;
      window.htmx.trigger(previewForm, "preview");
    }
    saveRecipe.value = JSON.stringify(recipe);
    renderSteps();
    $("[data-action=undo]").disabled = !undoStack.length;
    $("[data-action=redo]").disabled = !redoStack.length;
  }

  function renderSteps() {
    const list = $("#steps");
    list.innerHTML = "";
    recipe.forEach((step, index) => {
      const item = document.createElement("li");
      const button = $(`.tool[data-op="${step.op}"]`);
      item.textContent = (button ? button.textContent : step.op) + " ";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = "remove";
      remove.setAttribute("aria-label", `Remove step ${index + 1}`);
      remove.addEventListener("click", () => change(recipe.filter((_, i) => i !== index)));
      item.append(remove);
      list.append(item);
    });
  }

  function change(next) {
    undoStack.push(recipe);
    redoStack = [];
    recipe = next;
    refresh(false);
  }

  function select(op) {
    current = op;
    $$(".op-panel").forEach((fieldset) => { fieldset.hidden = fieldset.dataset.op !== op; });
    $$(".tool").forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.op === op)));
    $("#controls-hint").hidden = Boolean(op);
    stage.classList.toggle("cropping", op === "crop");
    cropBox.hidden = op !== "crop";
    if (op === "crop") {
      crop = { ...FULL };
      drawCrop();
      writeCropFields();
    }
    refresh(true);
  }

  // Crop box: draw with the pointer on the picture, drag inside it to move, arrows (with Shift:
  // resize) from the keyboard; the numeric fields follow, and typing in them moves the box.
  function imageRect() {
    const image = $("#editor-result");
    return image && image.width ? image.getBoundingClientRect() : null;
  }

  function drawCrop() {
    const image = imageRect();
    cropBox.hidden = current !== "crop" || !image || $("#preview").hidden;
    if (cropBox.hidden) return;
    const host = stage.getBoundingClientRect();
    Object.assign(cropBox.style, {
      left: `${image.left - host.left + crop.x * image.width}px`,
      top: `${image.top - host.top + crop.y * image.height}px`,
      width: `${crop.width * image.width}px`,
      height: `${crop.height * image.height}px`,
    });
  }

  function writeCropFields() {
    const params = cropParams();
    Object.keys(params).forEach((name) => { $(`#p-crop-${name}`).value = params[name]; });
  }

  // Height of the box for a width of 1, in fractions of the picture shown; null when free.
  function aspectRatio() {
    const value = $("#crop-aspect").value;
    const rect = imageRect();
    if (!value || !rect) return null;
    const target = value === "original" ? originalAspect : parseFloat(value);
    return target * rect.height / rect.width;
  }

  function fitAspect() {
    const ratio = aspectRatio();
    if (!ratio) return;
    const height = Math.min(crop.width / ratio, 1);
    crop = { x: crop.x, y: crop.y, width: height * ratio, height };
    crop.x = clamp(crop.x, 0, 1 - crop.width);
    crop.y = clamp(crop.y, 0, 1 - crop.height);
  }

  function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }

  function pointerAt(event) {
    const rect = imageRect();
    return [clamp((event.clientX - rect.left) / rect.width, 0, 1),
            clamp((event.clientY - rect.top) / rect.height, 0, 1)];
  }

  let drag = null;
  stage.addEventListener("pointerdown", (event) => {
    if (current !== "crop" || !imageRect() || event.button > 0) return;
    const [px, py] = pointerAt(event);
    const whole = crop.width > 0.999 && crop.height > 0.999;
    const move = event.target === cropBox && !whole;
    drag = { mode: move ? "move" : "draw", px, py, start: { ...crop } };
    stage.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  stage.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const [px, py] = pointerAt(event);
    if (drag.mode === "move") {
      crop.x = clamp(drag.start.x + px - drag.px, 0, 1 - crop.width);
      crop.y = clamp(drag.start.y + py - drag.py, 0, 1 - crop.height);
    } else {
      let width = Math.abs(px - drag.px);
      let height = Math.abs(py - drag.py);
      const ratio = aspectRatio();
      if (ratio) { // the longer side drives, within the room left towards the pointer
        const roomX = px < drag.px ? drag.px : 1 - drag.px;
        const roomY = py < drag.py ? drag.py : 1 - drag.py;
        height = Math.min(Math.max(height, width / ratio), roomY, roomX / ratio);
        width = height * ratio;
      }
      crop = { x: px < drag.px ? drag.px - width : drag.px,
               y: py < drag.py ? drag.py - height : drag.py, width, height };
    }
    drawCrop();
    writeCropFields();
  });
  function endDrag() {
    if (drag && (crop.width < 0.01 || crop.height < 0.01)) crop = drag.start; // a click
    drag = null;
    drawCrop();
    writeCropFields();
  }
  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", endDrag);
  cropBox.addEventListener("keydown", (event) => {
    const delta = { ArrowLeft: [-0.01, 0], ArrowRight: [0.01, 0], ArrowUp: [0, -0.01], ArrowDown: [0, 0.01] }[event.key];
    if (!delta) return;
    if (event.shiftKey) {
      crop.width = clamp(crop.width + delta[0], 0.01, 1 - crop.x);
      crop.height = clamp(crop.height + delta[1], 0.01, 1 - crop.y);
    } else {
      crop.x = clamp(crop.x + delta[0], 0, 1 - crop.width);
      crop.y = clamp(crop.y + delta[1], 0, 1 - crop.height);
    }
    drawCrop();
    writeCropFields();
    event.preventDefault();
  });

  $$(".tool").forEach((button) => button.addEventListener("click", () => select(button.dataset.op)));
  $$(".op-panel").forEach((fieldset) => {
    fieldset.addEventListener("input", (event) => {
      if (fieldset.dataset.op !== "crop") {
        refresh(true);
        return;
      }
      if (event.target.id === "crop-aspect") {
        fitAspect();
        writeCropFields();
      } else if (event.target.name) {
        const value = parseFloat(event.target.value);
        if (Number.isFinite(value)) crop[event.target.name] = clamp(value, 0, 1);
      }
      drawCrop();
    });
  });
  $$("[data-action=apply]").forEach((button) => button.addEventListener("click", () => {
    const empty = current ? missing(current) : [];
    if (empty.length) {
      empty[0].reportValidity();
      return;
    }
    const step = pendingStep();
    if (!step) return;
    change(recipe.concat([step]));
    if (step.op === "crop") { // the picture shown is now the cropped one: start afresh on it
      crop = { ...FULL };
      drawCrop();
      writeCropFields();
    }
  }));
  function undo() {
    if (!undoStack.length) return;
    redoStack.push(recipe);
    recipe = undoStack.pop();
    refresh(false);
  }
  function redo() {
    if (!redoStack.length) return;
    undoStack.push(recipe);
    recipe = redoStack.pop();
    refresh(false);
  }
  $("[data-action=undo]").addEventListener("click", undo);
  $("[data-action=redo]").addEventListener("click", redo);
  const compare = $("[data-action=compare]");
  compare.addEventListener("click", () => {
    const showBefore = compare.getAttribute("aria-pressed") !== "true";
    compare.setAttribute("aria-pressed", String(showBefore));
    $("#editor-before").hidden = !showBefore;
    $("#preview").hidden = showBefore;
    fitPictures();
  });
  // The picture fills the room it has, whatever its own size: a resize to 182 px still shows
  // as large as the original did (the result's size is in its steps, not in how it is shown).
  function fitPicture(image) {
    if (!image || !image.naturalWidth) return;
    const room = stage.parentElement.clientWidth;
    const tall = Math.max(window.innerHeight * 0.72, 200);
    const factor = Math.min(room / image.naturalWidth, tall / image.naturalHeight);
    image.style.width = `${Math.floor(image.naturalWidth * factor)}px`;
    image.style.height = `${Math.floor(image.naturalHeight * factor)}px`;
  }

  function fitPictures() {
    fitPicture($("#editor-result"));
    fitPicture($("#editor-before"));
    drawCrop();
  }

  function whenLoaded(image) {
    if (!image) return;
    if (image.complete && image.naturalWidth) fitPictures();
    else image.addEventListener("load", fitPictures, { once: true });
  }

  // afterSettle, not afterSwap: htmx settles a swapped element that keeps its id by putting
  // its attributes back, which would drop the size given on load.
  document.body.addEventListener("htmx:afterSettle", (event) => {
    const image = event.detail.target.id === "preview" && $("#editor-result");
    if (image) whenLoaded(image);
    else drawCrop();
  });
  window.addEventListener("resize", fitPictures);
  whenLoaded($("#editor-result"));
  whenLoaded($("#editor-before"));
  // Ctrl+Z, Ctrl+Y and Ctrl+Shift+Z; inside a text field they keep their usual meaning.
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.target.closest("input, textarea")) return;
    const key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) undo();
    else if (key === "y" || key === "z") redo();
    else return;
    event.preventDefault();
  });
  // htmx wires #preview-form on DOMContentLoaded, which comes after this deferred script.
  document.addEventListener("DOMContentLoaded", () => refresh(false));
})();
