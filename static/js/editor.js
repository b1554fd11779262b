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
  let recipe = JSON.parse($("#initial-recipe").textContent) || [];
  let undoStack = [];
  let redoStack = [];
  let current = null; // the op whose panel is open
  let crop = { x: 0.1, y: 0.1, width: 0.8, height: 0.8 };

  function panel(op) { return $(`.op-panel[data-op="${op}"]`); }

  function readParams(op) {
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

  function pendingStep() {
    return current ? { op: current, params: readParams(current) } : null;
  }

  function refresh(withPending) {
    const steps = recipe.slice();
    const pending = withPending && current !== "crop" ? pendingStep() : null;
    if (pending) steps.push(pending);
    $("input[name=recipe]", previewForm).value = JSON.stringify(steps);
    saveRecipe.value = JSON.stringify(recipe);
    window.htmx.trigger(previewForm, "preview");
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
    $("#controls-hint").hidden = true;
    cropBox.hidden = op !== "crop";
    if (op === "crop") drawCrop();
    refresh(true);
  }

  // Crop box: draw with the pointer on the image, drag inside to move; numbers stay in sync.
  function imageRect() { return $("#editor-result").getBoundingClientRect(); }

  function drawCrop() {
    const image = imageRect();
    const host = stage.getBoundingClientRect();
    Object.assign(cropBox.style, {
      left: `${image.left - host.left + crop.x * image.width}px`,
      top: `${image.top - host.top + crop.y * image.height}px`,
      width: `${crop.width * image.width}px`,
      height: `${crop.height * image.height}px`,
    });
    const fields = panel("crop");
    if (!fields) return;
    ["x", "y", "width", "height"].forEach((name) => {
      const input = $(`[name=${name}]`, fields);
      if (input) input.value = crop[name].toFixed(4);
    });
  }

  function aspectRatio() {
    const value = $("[data-aspect]") && $("[data-aspect]").value;
    if (!value) return null;
    const rect = imageRect();
    const target = value === "original" ? originalAspect : parseFloat(value);
    return target * rect.height / rect.width; // in relative units
  }

  function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }

  let drag = null;
  stage.addEventListener("pointerdown", (event) => {
    if (current !== "crop") return;
    const rect = imageRect();
    const px = clamp((event.clientX - rect.left) / rect.width, 0, 1);
    const py = clamp((event.clientY - rect.top) / rect.height, 0, 1);
    const inside = event.target === cropBox;
    drag = inside ? { mode: "move", px, py, start: { ...crop } } : { mode: "draw", px, py };
    stage.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  stage.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const rect = imageRect();
    const px = clamp((event.clientX - rect.left) / rect.width, 0, 1);
    const py = clamp((event.clientY - rect.top) / rect.height, 0, 1);
    if (drag.mode === "move") {
      crop.x = clamp(drag.start.x + px - drag.px, 0, 1 - crop.width);
      crop.y = clamp(drag.start.y + py - drag.py, 0, 1 - crop.height);
    } else {
      let width = Math.abs(px - drag.px);
      let height = Math.abs(py - drag.py);
      const ratio = aspectRatio();
      if (ratio) height = Math.min(width / ratio, 1);
      crop = {
        x: px < drag.px ? drag.px - width : drag.px,
        y: py < drag.py ? drag.py - height : drag.py,
        width, height,
      };
      crop.x = clamp(crop.x, 0, 1 - crop.width);
      crop.y = clamp(crop.y, 0, 1 - crop.height);
    }
    drawCrop();
  });
  stage.addEventListener("pointerup", () => { drag = null; });
  cropBox.addEventListener("keydown", (event) => {
    const delta = { ArrowLeft: [-0.01, 0], ArrowRight: [0.01, 0], ArrowUp: [0, -0.01], ArrowDown: [0, 0.01] }[event.key];
    if (!delta) return;
    crop.x = clamp(crop.x + delta[0], 0, 1 - crop.width);
    crop.y = clamp(crop.y + delta[1], 0, 1 - crop.height);
    drawCrop();
    event.preventDefault();
  });

  $$(".tool").forEach((button) => button.addEventListener("click", () => select(button.dataset.op)));
  $$(".op-panel").forEach((fieldset) => {
    fieldset.addEventListener("input", (event) => {
      if (fieldset.dataset.op === "crop" && event.target.name) {
        crop[event.target.name] = parseFloat(event.target.value) || 0;
        drawCrop();
      } else {
        refresh(true);
      }
    });
  });
  $$("[data-action=apply]").forEach((button) => button.addEventListener("click", () => {
    const step = pendingStep();
    if (step) change(recipe.concat([step]));
  }));
  $("[data-action=undo]").addEventListener("click", () => {
    if (!undoStack.length) return;
    redoStack.push(recipe);
    recipe = undoStack.pop();
    refresh(false);
  });
  $("[data-action=redo]").addEventListener("click", () => {
    if (!redoStack.length) return;
    undoStack.push(recipe);
    recipe = redoStack.pop();
    refresh(false);
  });
  const compare = $("[data-action=compare]");
  compare.addEventListener("click", () => {
    const showBefore = compare.getAttribute("aria-pressed") !== "true";
    compare.setAttribute("aria-pressed", String(showBefore));
    $("#editor-before").hidden = !showBefore;
    $("#preview").hidden = showBefore;
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "preview" && current === "crop") {
      const image = $("#editor-result");
      if (image) image.addEventListener("load", drawCrop, { once: true });
    }
  });
  window.addEventListener("resize", () => { if (current === "crop") drawCrop(); });
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.target.closest("input, textarea")) return;
    if (event.key === "z") { $("[data-action=undo]").click(); event.preventDefault(); }
    if (event.key === "y") { $("[data-action=redo]").click(); event.preventDefault(); }
  });
  refresh(false);
})();
