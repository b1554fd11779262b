// The mask brush: paint the subject in (add) or out (remove) over the picture, then send the
// mask as a PNG (its alpha is the mask). No inline handlers: wired here by ids.
(() => {
  const canvas = document.getElementById("mask-canvas");
  if (!canvas) return;
  const form = document.getElementById("mask-form");
  const size = document.getElementById("brush-size");
  const status = document.getElementById("mask-status");
  const context = canvas.getContext("2d");
  const source = new Image();
  source.addEventListener("load", () => {
    canvas.width = source.naturalWidth;
    canvas.height = source.naturalHeight;
    // grey mask -> alpha: white (subject) opaque, black (background) clear
    context.drawImage(source, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < pixels.data.length; i += 4) {
      pixels.data[i + 3] = pixels.data[i];
      pixels.data[i] = 255;
      pixels.data[i + 1] = 255;
      pixels.data[i + 2] = 255;
    }
    context.putImageData(pixels, 0, 0);
    status.textContent = "Paint with the brush; switch between adding and removing.";
  });
  source.src = canvas.dataset.mask;
  let painting = false;
  const mode = () => form.querySelector("input[name=brush]:checked").value;
  const paint = (event) => {
    const rect = canvas.getBoundingClientRect();
    const scale = canvas.width / rect.width;
    const x = (event.clientX - rect.left) * scale;
    const y = (event.clientY - rect.top) * scale;
    context.globalCompositeOperation = mode() === "add" ? "source-over" : "destination-out";
    context.fillStyle = "#fff";
    context.beginPath();
    context.arc(x, y, (Number(size.value) / 2) * scale, 0, Math.PI * 2);
    context.fill();
  };
  canvas.addEventListener("pointerdown", (event) => {
    painting = true;
    canvas.setPointerCapture(event.pointerId);
    paint(event);
  });
  canvas.addEventListener("pointermove", (event) => { if (painting) paint(event); });
  canvas.addEventListener("pointerup", () => { painting = false; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    status.textContent = "Saving…";
    canvas.toBlob((blob) => {
      const data = new FormData(form);
      data.set("mask", blob, "mask.png");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
        .then((response) => { window.location.href = response.url; })
        .catch(() => { status.textContent = "The mask could not be sent; try again."; });
    }, "image/png");
  });
})();
