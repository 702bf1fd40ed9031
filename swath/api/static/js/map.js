// The STAC items of a job's results on a Leaflet map (vendored from npm under static/vendor/leaflet), with a
// list beside it: id, time, thumbnail. No tile server is reachable by default, so the footprints are drawn on a
// blank base; `SWATH_MAP_TILES_URL` names one when there is.

import { element, isWebUrl } from "./http.js";
import { catalogItems, itemTime, thumbnailUrl } from "./stac.js";

function loadLeaflet(staticBase) {
  if (window.L) return Promise.resolve(window.L);
  return new Promise((resolve, reject) => {
    const style = element("link", { rel: "stylesheet", href: `${staticBase}/vendor/leaflet/leaflet.css` });
    const script = element("script", { src: `${staticBase}/vendor/leaflet/leaflet.js` });
    script.addEventListener("load", () => resolve(window.L));
    script.addEventListener("error", () => reject(new Error("the map library did not load")));
    document.head.append(style, script);
  });
}

export async function showItems(container, list, staticBase) {
  let items;
  try {
    items = await catalogItems(container.dataset.catalog, 500);
  } catch (error) {
    container.replaceWith(element("p", { className: "field-error" }, `The STAC catalog could not be read: ${error.message}`));
    return;
  }
  const located = items.filter((entry) => entry.item.geometry);
  for (const entry of items) {
    const thumbnail = thumbnailUrl(entry);
    const itemUrl = isWebUrl(entry.url) ? element("a", { href: entry.url }, String(entry.item.id || "?")) : String(entry.item.id || "?");
    list.append(
      element("li", { "data-item": String(entry.item.id || "") },
        thumbnail && isWebUrl(thumbnail) ? element("img", { src: thumbnail, alt: `Thumbnail of ${entry.item.id}`, className: "thumbnail", loading: "lazy" }) : null,
        element("code", {}, itemUrl), ` · ${itemTime(entry.item)}`, entry.item.geometry ? "" : " · no footprint"),
    );
  }
  if (!located.length) {
    container.replaceWith(element("p", { className: "hint" }, items.length ? "No item carries a geometry to show on a map." : "The catalog holds no items."));
    return;
  }
  let L;
  try {
    L = await loadLeaflet(staticBase);
  } catch (error) {
    container.replaceWith(element("p", { className: "field-error" }, `The map could not be shown: ${error.message}`));
    return;
  }
  const map = L.map(container, { attributionControl: Boolean(container.dataset.tiles) });
  if (container.dataset.tiles) {
    L.tileLayer(container.dataset.tiles, { attribution: container.dataset.attribution || "", maxZoom: 19 }).addTo(map);
  }
  const layer = L.geoJSON(located.map((entry) => entry.item), {
    style: () => ({ className: "footprint", weight: 2 }),
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, { className: "footprint", radius: 6 }),
    onEachFeature: (feature, shape) => shape.bindTooltip(String(feature.id || "")),
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 14 });
  container.dataset.footprints = String(located.length);
}
