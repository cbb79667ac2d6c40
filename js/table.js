// @ts-check
// The trace-table panel: the kernel's rows, the row being completed at the cursor highlighted.

/** @param {string} tag @param {string} [cls] @param {string} [text] */
function h(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * @param {HTMLElement} host
 * @param {Array<{node: number, step: number, lhs: string, rule: string, numbers: string, value: string}>} rows
 * @param {(step: number) => void} onPick  a click on a row moves the cursor to its step
 */
export function buildTable(host, rows, onPick) {
  const table = h("table", "mlgraph-table");
  const head = h("tr");
  for (const c of ["", "rule", "numbers", "value"]) head.append(h("th", undefined, c));
  table.append(head);
  const trs = rows.map((r) => {
    const tr = h("tr", `mlgraph-row mlgraph-row-${r.sweep ?? "eval"}`);
    tr.dataset.step = String(r.step);
    tr.append(h("td", "mlgraph-lhs", r.lhs), h("td", undefined, `= ${r.rule}`),
      h("td", undefined, `= ${r.numbers}`), h("td", "mlgraph-value", `= ${r.value}`));
    tr.addEventListener("click", () => onPick(r.step));
    table.append(tr);
    return tr;
  });
  host.replaceChildren(table);
  // rows in step order; `done` rows are a prefix, so a cursor move touches only the rows
  // between the old and the new cursor
  const order = rows.map((r, i) => i).sort((i, j) => rows[i].step - rows[j].step);
  let done = 0, current = null, scrollPending = false;

  /** @param {number} cursor */
  function update(cursor) {
    while (done < order.length && rows[order[done]].step <= cursor) trs[order[done++]].classList.add("mlgraph-row-done");
    while (done > 0 && rows[order[done - 1]].step > cursor) trs[order[--done]].classList.remove("mlgraph-row-done");
    let at = -1; // the row completed at the cursor, else the one being worked on
    if (cursor >= 0 && done > 0 && rows[order[done - 1]].step === cursor) at = done - 1;
    else if (cursor >= 0 && done < order.length) at = done;
    const cur = at >= 0 ? trs[order[at]] : null;
    if (cur !== current) {
      current?.classList.remove("mlgraph-row-current");
      cur?.classList.add("mlgraph-row-current");
      current = cur;
      if (cur && !scrollPending) { // read layout in the next frame, not in the middle of a step
        scrollPending = true;
        requestAnimationFrame(scrollToCurrent);
      }
    }
  }

  function scrollToCurrent() {
    scrollPending = false;
    const cur = current;
    if (cur && (cur.offsetTop < host.scrollTop || cur.offsetTop + cur.offsetHeight > host.scrollTop + host.clientHeight)) {
      host.scrollTop = cur.offsetTop - host.clientHeight / 2;
    }
  }
  return { update };
}
