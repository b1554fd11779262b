// Behaviour every page shares, wired by data attributes: the site's Content-Security-Policy
// allows no inline event handlers.
// data-confirm="question" on a form or a submit button: ask before it is sent.
// data-select-on-focus on an input: select its text when it gets focus (a token to copy).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("input[data-select-on-focus]")) {
    event.target.select();
  }
});
