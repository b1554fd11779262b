// Image pickers (gallery/widgets.py): the dialog is loaded by htmx into #picker-dialog; choosing
// an image fills the hidden input of the field named in data-picker-for and shows its thumbnail.
(function () {
  "use strict";
  const dialog = () => document.getElementById("picker-dialog");

  function widgetOf(input) { return input && input.closest("[data-picker]"); }

  function show(input, id, name, thumb) {
    input.value = id;
    const widget = widgetOf(input);
    if (widget) {
      const image = widget.querySelector("[data-picker-thumb]");
      image.hidden = !id;
      if (id) image.src = thumb; else image.removeAttribute("src");
      widget.querySelector("[data-picker-name]").textContent = id ? name : "None chosen";
      widget.querySelector("[data-picker-clear]").hidden = !id;
    }
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    const box = dialog();
    if (box && event.detail.target === box && !box.open) {
      box.showModal();
      const search = box.querySelector("input[type=search]");
      if (search) search.focus();
    }
  });

  document.addEventListener("click", (event) => {
    const choice = event.target.closest("[data-pick]");
    const box = dialog();
    if (choice && box && box.contains(choice)) {
      const body = box.querySelector("[data-picker-for]");
      const input = body && document.getElementById(body.dataset.pickerFor);
      if (input) show(input, choice.dataset.pick, choice.dataset.pickName, choice.dataset.pickThumb);
      box.close();
      return;
    }
    if (event.target.closest("[data-picker-close]") && box) { box.close(); return; }
    const clear = event.target.closest("[data-picker-clear]");
    if (clear) {
      const input = widgetOf(clear).querySelector("input[type=hidden]");
      show(input, "", "", "");
    }
  });
})();
