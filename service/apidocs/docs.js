// Renders /openapi.json as a plain list of endpoints (no CDN, no inline script: CSP default-src 'self').
"use strict";

function el(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

function resolveRef(spec, schema) {
  if (schema && schema.$ref) {
    const name = schema.$ref.split("/").pop();
    return spec.components.schemas[name] || schema;
  }
  return schema;
}

async function render() {
  const target = document.getElementById("endpoints");
  const spec = await (await fetch("/openapi.json")).json();
  target.textContent = "";
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const section = el("section");
      const head = el("h2");
      head.append(el("span", method.toUpperCase()), document.createTextNode(" " + path));
      head.firstChild.className = "method";
      section.append(head);
      if (op.description || op.summary) section.append(el("p", op.description || op.summary));
      const params = op.parameters || [];
      if (params.length) {
        const list = el("ul");
        for (const p of params) {
          list.append(el("li", `${p.name} (${p.in}${p.required ? ", required" : ""})` +
            (p.description ? ": " + p.description : "")));
        }
        section.append(el("h3", "Parameters"), list);
      }
      const body = op.requestBody && op.requestBody.content;
      if (body) {
        const [type, media] = Object.entries(body)[0];
        const schema = resolveRef(spec, media.schema) || {};
        const list = el("ul");
        for (const [name, prop] of Object.entries(schema.properties || {})) {
          list.append(el("li", name + (prop.description ? ": " + prop.description : "")));
        }
        section.append(el("h3", "Body (" + type + ")"), list);
      }
      target.append(section);
    }
  }
}

render().catch((err) => {
  document.getElementById("endpoints").textContent = "Could not load /openapi.json: " + err;
});
