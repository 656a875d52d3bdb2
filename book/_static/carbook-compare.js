/* The comparison page (book/comparison.md): choose which therapies to compare, 2 to 4 of however many the
 * book holds, kept in the address (?compare=id,id) so a comparison can be shared.
 *
 * The page holds the default set's table (#tbl-comparison), complete without this script, and an empty,
 * hidden `.cb-compare-controls` naming the list to choose from (data-index: the therapies, the rows and the
 * default set). This script fills the controls with the therapies chosen (each with a button that removes
 * it), a box to add one by name (suggestions filtered by modality), and a status line; the list and each
 * therapy's column (comparison/<id>.json: its cells as HTML) are loaded only when needed. A row is marked
 * "differs" only where every chosen source states it and not alike; a silent cell is never a difference.
 */
(() => {
  "use strict";

  const controls = document.querySelector(".cb-compare-controls[data-index]");
  const table = document.getElementById("tbl-comparison");
  if (!controls || !table || !window.fetch || !window.URLSearchParams) return;

  const most = Number(controls.dataset.most) || 4;
  const fewest = Number(controls.dataset.fewest) || 2;
  const base = controls.dataset.index.replace(/[^/]*$/, "");
  const shown = [...table.tHead.rows[0].cells].slice(1).map((cell) => cell.dataset.id);
  const columns = new Map();
  let index = null; // the list to choose from, once loaded and prepared
  let loading = null;
  let chosen = shown.slice();

  const element = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const ready = () => loading || (loading = fetch(controls.dataset.index).then((r) => {
    if (!r.ok) throw new Error(`${r.status} ${controls.dataset.index}`);
    return r.json();
  }).then(prepare).catch((error) => { loading = null; throw error; }));
  const loadColumn = (id) => columns.get(id) || columns.set(id, fetch(`${base}${encodeURIComponent(id)}.json`)
    .then((r) => { if (!r.ok) throw new Error(`${r.status} ${id}`); return r.json(); })).get(id);

  const status = element("p", { className: "cb-compare-status", role: "status" });
  const list = element("ul", { className: "cb-compare-chosen", "aria-label": "Therapies compared" });
  const input = element("input", { type: "search", id: "cb-compare-add", autocomplete: "off" });
  const options = element("datalist", { id: "cb-compare-options" });
  input.setAttribute("list", options.id);
  const modality = element("select", { id: "cb-compare-modality" }, element("option", { value: "", textContent: "All modalities" }));
  const add = element("button", { type: "submit", textContent: "Add" });
  const form = element("form", { className: "cb-compare-form" },
    element("label", { htmlFor: input.id, textContent: "Add a therapy, by name" }), input, options,
    element("label", { htmlFor: modality.id, textContent: "Suggest from" }), modality, add);
  controls.append(list, form, status);
  controls.hidden = false;

  const say = (text) => { status.textContent = text; };
  const nameOf = (id) => (index && index.names.get(id)) || table.querySelector(`th[data-id="${CSS.escape(id)}"] a`)?.textContent || id;

  const fillOptions = () => {
    if (!index) return;
    const wanted = modality.value;
    options.replaceChildren(...index.therapies.filter(([id, , m]) => !chosen.includes(id) && (!wanted || m === wanted))
      .slice(0, 200).map(([, name, m]) => element("option", { value: name, label: m })));
  };

  const drawList = () => {
    list.replaceChildren(...chosen.map((id) => {
      const remove = element("button", { type: "button", className: "cb-compare-remove", textContent: "Remove",
        disabled: chosen.length <= fewest });
      remove.setAttribute("aria-label", `Remove ${nameOf(id)} from the comparison`);
      remove.addEventListener("click", () => choose(chosen.filter((other) => other !== id)));
      return element("li", {}, element("span", { textContent: nameOf(id) }), " ", remove);
    }));
    input.disabled = add.disabled = chosen.length >= most;
    input.placeholder = chosen.length >= most ? `At most ${most}: remove one first` : "Type a name";
  };

  const drawTable = (data) => {
    const head = element("tr", {}, element("th", { scope: "col", textContent: "Facet" }));
    for (const column of data) {
      const link = element("a", { href: `therapies/${column.id}.html`, textContent: column.name });
      const th = element("th", { scope: "col" }, link, element("span", { className: "cb-col-modality", textContent: column.modality }));
      th.dataset.id = column.id;
      head.append(th);
    }
    const rows = index.rows.map((row) => {
      const cells = data.map((column) => column.cells[row.key]);
      const keys = new Set(cells.map((c) => c.key));
      const differs = row.compared && cells.length > 1 && cells.every((c) => c.whole) && keys.size > 1;
      const th = element("th", { scope: "row", textContent: row.label });
      if (differs) th.append(element("span", { className: "cb-differs-tag", textContent: "differs" }));
      const tr = element("tr", {}, th, ...data.map((column) => {
        const c = column.cells[row.key];
        const td = element("td");
        td.innerHTML = c.html; // made and escaped by the book's build (carbook.pages.compare)
        for (const marker of td.querySelectorAll("a.cb-to")) { // written short: the passage's place in the chapter
          marker.setAttribute("href", `therapies/${column.id}.html${marker.getAttribute("href")}`);
          marker.setAttribute("aria-label", index.marker.replace("{name}", column.name));
        }
        if (c.silent) td.className = "cb-silent";
        return td;
      }));
      tr.dataset.row = row.key;
      if (differs) tr.className = "cb-differs";
      return tr;
    });
    table.tHead.replaceChildren(head);
    table.tBodies[0].replaceChildren(...rows);
  };

  const choose = async (ids, remember = true) => {
    chosen = ids;
    drawList();
    fillOptions();
    if (remember) {
      const url = new URL(window.location.href);
      url.searchParams.set("compare", ids.join(","));
      window.history.replaceState(null, "", url);
    }
    say(`Loading ${ids.length} therapies…`);
    try {
      await ready();
      const data = await Promise.all(ids.map(loadColumn));
      drawTable(data);
      say(`Comparing ${ids.length} therapies: ${data.map((c) => c.name).join("; ")}.`);
    } catch (error) {
      say(`The comparison could not be loaded (${error.message}); the table shows the therapies it first showed.`);
    }
  };

  function prepare(data) {
    data.names = new Map(data.therapies.map(([id, name]) => [id, name]));
    data.byName = new Map(data.therapies.map(([id, name]) => [name.toLowerCase(), id]));
    const modalities = [...new Set(data.therapies.map(([, , m]) => m))];
    modality.append(...modalities.map((m) => element("option", { value: m, textContent: m })));
    index = data;
    fillOptions();
    drawList();
    return data;
  }

  input.addEventListener("focus", () => ready().catch(() => {}), { once: true });
  modality.addEventListener("change", () => ready().then(fillOptions));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = await ready();
    const id = data.byName.get(input.value.trim().toLowerCase());
    if (!id) { say(`No therapy is named “${input.value.trim()}”; choose one of the suggestions.`); return; }
    if (chosen.includes(id)) { say(`${data.names.get(id)} is already compared.`); return; }
    input.value = "";
    choose([...chosen, id]);
  });

  drawList();
  const asked = (new URLSearchParams(window.location.search).get("compare") || "").split(",").filter(Boolean);
  const unique = [...new Set(asked)];
  if (unique.length) {
    ready().then((data) => {
      const known = unique.filter((id) => data.names.has(id)).slice(0, most);
      if (known.length >= fewest && known.join() !== shown.join()) choose(known, false);
      else if (known.length < fewest) say(`The address names fewer than ${fewest} therapies of this book; the table shows the therapies it first showed.`);
    }).catch(() => {});
  }
})();
