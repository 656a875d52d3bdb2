/* The Therapies index (book/therapies.md): filters and sorting for its table, built from the table itself.
 *
 * The page holds an empty, hidden `.cb-index-controls` naming the table (data-table) and the columns to
 * filter by (data-filter-columns, by position). This script fills it with a select per such column (the
 * values the column holds), a text box and a count of the rows shown, and turns each column heading into a
 * button that sorts by that column (aria-sort tells which). Without it the table is shown whole, in the
 * book's order. Gaps (data-gap, "Not stated in the source") sort after every stated value either way.
 */
(() => {
  "use strict";

  const controls = document.querySelector(".cb-index-controls[data-table]");
  const table = controls && document.getElementById(controls.dataset.table);
  if (!table || !table.tHead || !table.tBodies.length) return;

  const body = table.tBodies[0];
  const rows = [...body.rows];
  const headers = [...table.tHead.rows[0].cells];
  const gap = controls.dataset.gap || "";
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  const cell = (row, column) => row.cells[column].textContent.replace(/\s+/g, " ").trim();
  const heading = (column) => headers[column].textContent.replace(/\s+/g, " ").trim();
  const order = new Map(rows.map((row, i) => [row, i]));
  const haystack = new Map(rows.map((row) => [row, row.textContent.replace(/\s+/g, " ").toLowerCase()]));

  // A control with its label; the label names it by id, so its name is the label's text alone.
  const field = (text, control, id) => {
    const wrapper = document.createElement("div");
    const label = document.createElement("label");
    label.textContent = text;
    label.htmlFor = control.id = id;
    wrapper.className = "cb-index-field";
    wrapper.append(label, control);
    return wrapper;
  };

  // A select per filtered column, with the values that column holds, gaps last.
  const columns = (controls.dataset.filterColumns || "").split(/\s+/).filter(Boolean).map(Number)
    .filter((column) => column >= 0 && column < headers.length);
  const selects = columns.map((column) => {
    const select = document.createElement("select");
    select.add(new Option("All", ""));
    const values = [...new Set(rows.map((row) => cell(row, column)))].sort(compare);
    for (const value of values) select.add(new Option(value, value));
    select.dataset.column = String(column);
    controls.append(field(heading(column), select, `${table.id}-filter-${column}`));
    return select;
  });

  const search = document.createElement("input");
  search.type = "search";
  search.autocomplete = "off";
  controls.append(field("Search the table", search, `${table.id}-search`));

  const count = document.createElement("p");
  count.className = "cb-index-count";
  count.setAttribute("role", "status");
  controls.append(count);

  function compare(a, b) {
    if ((a === gap) !== (b === gap)) return a === gap ? 1 : -1;
    return collator.compare(a, b);
  }

  function filter() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const keep = selects.every((s) => !s.value || cell(row, Number(s.dataset.column)) === s.value)
        && words.every((word) => haystack.get(row).includes(word));
      row.hidden = !keep;
      if (keep) shown += 1;
    }
    count.textContent = `${shown} of ${rows.length} ${rows.length === 1 ? "therapy" : "therapies"} shown`;
  }

  function sortBy(column) {
    const direction = headers[column].getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    for (const th of headers) th.removeAttribute("aria-sort");
    headers[column].setAttribute("aria-sort", direction);
    const sign = direction === "ascending" ? 1 : -1;
    const sorted = rows.slice().sort((a, b) => {
      const x = cell(a, column), y = cell(b, column);
      const gaps = (x === gap) - (y === gap);  // a gap stays last, ascending or descending
      return gaps || sign * compare(x, y) || order.get(a) - order.get(b);
    });
    body.append(...sorted);
  }

  headers.forEach((th, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cb-sort";
    button.textContent = heading(column);
    button.addEventListener("click", () => sortBy(column));
    th.replaceChildren(button);
  });

  for (const select of selects) select.addEventListener("change", filter);
  search.addEventListener("input", filter);
  filter();
  controls.hidden = false;
})();
