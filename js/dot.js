// @ts-check
// DOT text per collapse state: joins the statements Python wrote (mlgraph.dot.dot_parts,
// every attribute already quoted there), with the collapsed scopes as one node each. This
// is the only place the DOT of a graph is assembled.

/**
 * @typedef {{id: string, nodes: string[], node: string, cluster: string}} GroupParts
 * @typedef {{head: string, nodes: Record<string, string>,
 *   edges: {src: string, dst: string, stmt: string}[], groups: GroupParts[], tail?: string}} DotParts
 */

/**
 * @param {DotParts} parts
 * @param {Iterable<string>} collapsed  group ids ("s0") drawn as single nodes
 * @returns {string}
 */
export function assembleDot(parts, collapsed) {
  const want = new Set(collapsed);
  /** @type {Map<string, GroupParts>} */
  const groupOf = new Map(), byFirst = new Map();
  const closed = new Set(parts.groups.filter((g) => want.has(g.id)).map((g) => g.id));
  for (const g of parts.groups) {
    byFirst.set(g.nodes[0], g);
    for (const name of g.nodes) groupOf.set(name, g);
  }
  const out = [parts.head];
  for (const [name, stmt] of Object.entries(parts.nodes)) {
    const g = groupOf.get(name);
    if (!g) out.push(stmt);
    else if (byFirst.get(name) === g && closed.has(g.id)) out.push(g.node);
    else if (byFirst.get(name) === g) {
      out.push(g.cluster + g.nodes.map((n) => "\t" + parts.nodes[n]).join("") + "\t}\n");
    }
  }
  const seen = new Set();
  const end = (name) => { const g = groupOf.get(name); return g && closed.has(g.id) ? g.id : name; };
  for (const { src, dst, stmt } of parts.edges) {
    const a = end(src), b = end(dst);
    if (a === src && b === dst) out.push(stmt);
    else if (a !== b && !seen.has(`${a} ${b}`)) {
      seen.add(`${a} ${b}`);
      out.push(`\t${a} -> ${b} [id="g${a}_${b}"]\n`);
    }
  }
  return out.join("") + (parts.tail ?? "") + "}\n";
}
