// Small DOM helpers shared by the page's modules.

export const $ = (id) => document.getElementById(id);

export function cell(text, tag = "td") {
  const element = document.createElement(tag);
  element.textContent = text ?? "";
  return element;
}

// On a phone each row is shown as a card: every cell names its column (CSS `.stack`).
export function labelCells(table) {
  // A heading only for screen readers (class "sr") labels nothing on screen.
  const names = [...table.tHead.rows[0].cells].map((heading) => (heading.querySelector(".sr") ? "" : heading.textContent.trim()));
  for (const row of table.tBodies[0].rows) {
    [...row.cells].forEach((item, index) => {
      if (names[index] && item.colSpan === 1) item.dataset.label = names[index];
    });
  }
}
