// "@name" in a comment: htmx fetches the members whose name starts with what follows the "@"
// at the caret; this file sends only that fragment and puts the member picked in. Without it
// (or without JS) the comment form still posts and a typed "@name" still mentions.
(() => {
  // An "@" at the start or after anything but a letter, digit, "_", "@" or "." (not an email
  // address), then what is typed up to the caret, on one line.
  const FRAGMENT = /(?:^|[^\p{L}\p{N}_@.])@([^@\s][^@\n]{0,59})?$/u;

  const fragmentAt = (field) => {
    const match = FRAGMENT.exec(field.value.slice(0, field.selectionStart));
    return match ? { text: match[1] || "", start: field.selectionStart - (match[1] || "").length - 1 } : null;
  };
  const boxFor = (field) => document.getElementById(field.dataset.mentions);
  const picks = (box) => Array.from(box.querySelectorAll(".mention-pick"));

  document.addEventListener("htmx:configRequest", (event) => {
    const field = event.detail.elt;
    if (!field.matches || !field.matches("[data-mentions]")) return;
    const fragment = fragmentAt(field);
    if (fragment === null) {
      event.preventDefault();
      boxFor(field).replaceChildren();
      return;
    }
    const parameters = event.detail.parameters;
    delete parameters.body;
    delete parameters.csrfmiddlewaretoken;
    parameters.q = fragment.text;
  });

  const pick = (button) => {
    const box = button.closest("[data-mentions-for]");
    const field = document.getElementById(box.dataset.mentionsFor);
    const fragment = fragmentAt(field);
    box.replaceChildren();
    field.focus();
    if (fragment === null) return;
    const rest = field.value.slice(field.selectionStart);
    const inserted = `@${button.dataset.mention}${rest.startsWith(" ") ? "" : " "}`;
    field.value = field.value.slice(0, fragment.start) + inserted + rest;
    const caret = fragment.start + inserted.length;
    field.setSelectionRange(caret, caret);
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".mention-pick");
    if (button) pick(button);
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.matches("[data-mentions]")) {
      const first = picks(boxFor(target))[0];
      if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.focus();
      } else if (event.key === "Escape") {
        boxFor(target).replaceChildren();
      }
      return;
    }
    if (!target.matches(".mention-pick")) return;
    const box = target.closest("[data-mentions-for]");
    const all = picks(box);
    const index = all.indexOf(target);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = all[index + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) next.focus();
      else if (event.key === "ArrowUp") document.getElementById(box.dataset.mentionsFor).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      box.replaceChildren();
      document.getElementById(box.dataset.mentionsFor).focus();
    }
  });
})();
