// The gallery's selection: a live count, shift-click ranges, select all on the page; the
// actions stay disabled while nothing is selected. The checkboxes belong to the form by their
// form="selection-form" attribute, so pages added by infinite scroll join it by themselves.
(function () {
  "use strict";
  const form = document.getElementById("selection-form");
  if (!form) return;
  const count = document.getElementById("selection-count");
  let last = null; // the checkbox clicked last: the start of a shift-click range

  const boxes = () => Array.from(document.querySelectorAll('input[type=checkbox][form="selection-form"]'));

  function refresh() {
    const chosen = boxes().filter((box) => box.checked);
    count.textContent = `${chosen.length} selected`;
    form.querySelectorAll("[data-needs-selection]").forEach((button) => {
      button.disabled = chosen.length === 0;
    });
    boxes().forEach((box) => {
      const card = box.closest(".card-image");
      if (card) card.classList.toggle("selected", box.checked);
    });
  }

  document.addEventListener("click", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.getAttribute("form") !== "selection-form") return;
    const all = boxes();
    if (event.shiftKey && last && last !== box && all.includes(last)) {
      const [from, to] = [all.indexOf(last), all.indexOf(box)].sort((a, b) => a - b);
      all.slice(from, to + 1).forEach((item) => { item.checked = box.checked; });
    }
    last = box;
    refresh();
  });
  form.querySelector("[data-select-all]").addEventListener("click", () => {
    boxes().forEach((box) => { box.checked = true; });
    refresh();
  });
  form.querySelector("[data-select-none]").addEventListener("click", () => {
    boxes().forEach((box) => { box.checked = false; });
    last = null;
    refresh();
  });
  form.addEventListener("submit", (event) => {
    if (!boxes().some((box) => box.checked)) event.preventDefault();
  });
  // a new grid (filters changed) or a further page: the count follows
  document.body.addEventListener("htmx:afterSwap", refresh);
  refresh();
})();
