// Click-to-choose the subject of a background removal: a click on a detected object's box sets
// the form's `box`, a click anywhere else its `point` (both relative to the picture). Wired by
// data attributes on the document, so it works on the panel htmx swaps in (no inline handlers).
(() => {
  const fields = (form) => ({
    box: form.querySelector("input[name=box]"),
    point: form.querySelector("input[name=point]"),
    status: form.querySelector("[data-subject-status]"),
    dot: form.querySelector("[data-subject-dot]"),
  });
  const clearChosen = (form) => {
    form.querySelectorAll("[data-box].chosen").forEach((box) => box.classList.remove("chosen"));
  };
  document.addEventListener("click", (event) => {
    const form = event.target.closest && event.target.closest("form[data-subject-form]");
    if (!form) return;
    const { box, point, status, dot } = fields(form);
    if (event.target.closest("[data-subject-reset]")) {
      box.value = "";
      point.value = "";
      clearChosen(form);
      dot.hidden = true;
      status.textContent = "Automatic takes the main subject. Click an object or any point of the picture to choose another.";
      return;
    }
    const picker = event.target.closest("[data-subject-picker]");
    if (!picker) return;
    event.preventDefault();
    const chosenBox = event.target.closest("[data-box]");
    clearChosen(form);
    if (chosenBox) {
      box.value = chosenBox.dataset.box;
      point.value = "";
      chosenBox.classList.add("chosen");
      dot.hidden = true;
      status.textContent = `Subject: the ${chosenBox.dataset.label} you clicked.`;
      return;
    }
    const rect = picker.querySelector("img").getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const y = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
    point.value = `${x.toFixed(4)},${y.toFixed(4)}`;
    box.value = "";
    dot.style.left = `${(x * 100).toFixed(2)}%`;
    dot.style.top = `${(y * 100).toFixed(2)}%`;
    dot.hidden = false;
    status.textContent = "Subject: what lies under the point you clicked.";
  });
})();
