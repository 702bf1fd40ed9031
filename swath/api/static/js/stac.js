// Reading a STAC catalog from the browser: the catalog, its child catalogs and its items, relative hrefs resolved
// against the document that holds them. Bounded, because a catalog may be large: a preview needs a few items.

import { getJSON } from "./http.js";

const MAX_DOCUMENTS = 60;

/** Up to `limit` items of the catalog at `url`, each with the absolute URL it was read from. */
export async function catalogItems(url, limit = 50) {
  const items = [];
  const seen = new Set();
  const queue = [new URL(url, window.location.href).href];
  while (queue.length && items.length < limit && seen.size < MAX_DOCUMENTS) {
    const href = queue.shift();
    if (seen.has(href)) continue;
    seen.add(href);
    const document = await getJSON(href);
    if (document && document.type === "Feature") {
      items.push({ url: href, item: document });
      continue;
    }
    if (document && document.type === "FeatureCollection" && Array.isArray(document.features)) {
      for (const feature of document.features) items.push({ url: href, item: feature });
      continue;
    }
    for (const link of (document && document.links) || []) {
      if ((link.rel === "item" || link.rel === "child") && typeof link.href === "string") {
        queue.push(new URL(link.href, href).href);
      }
    }
  }
  return items.slice(0, limit);
}

/** The item's thumbnail asset (role `thumbnail`, or the key `thumbnail`), as an absolute URL, or null. */
export function thumbnailUrl(entry) {
  const assets = entry.item.assets || {};
  for (const [key, asset] of Object.entries(assets)) {
    const roles = Array.isArray(asset.roles) ? asset.roles : [];
    if ((roles.includes("thumbnail") || key === "thumbnail") && typeof asset.href === "string") {
      return new URL(asset.href, entry.url).href;
    }
  }
  return null;
}

/** When the item was taken, as the item says it. */
export function itemTime(item) {
  const properties = item.properties || {};
  if (properties.datetime) return properties.datetime;
  if (properties.start_datetime) return `${properties.start_datetime} – ${properties.end_datetime || ".."}`;
  return "—";
}
