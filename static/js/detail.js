// Detail page: arrow keys move to the neighbouring image; a button shows recognised objects.
(function () {
  "use strict";
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    const link = { ArrowLeft: "link-prev", ArrowRight: "link-next" }[event.key];
    const anchor = link && document.getElementById(link);
    if (anchor) window.location.href = anchor.href;
  });
  const toggle = document.getElementById("toggle-boxes");
  const boxes = document.getElementById("boxes");
  if (toggle && boxes) {
    toggle.addEventListener("click", () => {
      boxes.hidden = !boxes.hidden;
      toggle.setAttribute("aria-pressed", String(!boxes.hidden));
      toggle.textContent = boxes.hidden ? "Show objects" : "Hide objects";
    });
  }
})();
