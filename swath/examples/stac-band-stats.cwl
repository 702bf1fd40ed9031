#!/usr/bin/env cwl-runner
# An Earth Observation application package shaped as the OGC Best Practice for EO Application
# Packages (OGC 20-089) asks: a `$graph` whose Workflow `main` is the entry point, a STAC catalog
# as a `Directory` in, and a `Directory` with its own STAC catalog out.
#
# The process id is `stac-band-stats`: the top-level `id` of this document, the identifier that
# Swath deploys it under. Run the Workflow with `cwltool stac-band-stats.cwl#main job.yml`.
cwlVersion: v1.2
id: stac-band-stats
$namespaces:
  s: https://schema.org/
s:softwareVersion: 1.0.0
s:name: stac-band-stats
s:description: Per-asset statistics of the items of a STAC catalog, returned as a STAC catalog.
s:license: https://spdx.org/licenses/Apache-2.0
s:keywords: [example, STAC, earth observation]

$graph:
  - class: Workflow
    id: main
    label: STAC band statistics
    doc: |
      Computes simple statistics of every data asset of every item in a STAC catalog and
      returns them as a new STAC catalog, one output item per input item.

      For each asset that is a small text file (CSV, plain text) or GeoJSON, the statistics are
      the number of lines, and the count, minimum, maximum and mean of its numbers: every cell of
      a CSV or text file that reads as a number, or every numeric property of a GeoJSON feature
      (coordinates are not counted). Each statistics file is a JSON document, an asset of the
      output item that has the input item's id, geometry, bounding box and time. Other assets
      (images, archives) are listed in the log and skipped.

      All links and asset hrefs of the output catalog are relative, so it stays valid wherever
      it is copied.
    inputs:
      input_catalog:
        type: Directory
        label: Input STAC catalog
        doc: A directory holding a STAC `catalog.json`, its items and their asset files.
    outputs:
      output:
        type: Directory
        label: Statistics catalog
        doc: |
          A directory holding a STAC `catalog.json` with one item per input item; each item has
          one `<asset>-stats` asset, a JSON file of the statistics of that input asset.
        outputSource: band_stats/output
    steps:
      band_stats:
        run: '#band-stats'
        in:
          input_catalog: input_catalog
        out: [output]

  - class: CommandLineTool
    id: band-stats
    label: Band statistics of a STAC catalog
    doc: Reads the STAC catalog in `input_catalog` and writes the statistics catalog to `output/`.
    hints:
      # Only the Python standard library is used, so any python3 image will do, and so will the host.
      DockerRequirement:
        dockerPull: python:3.11-slim
      ResourceRequirement:
        coresMax: 1
        ramMax: 256
    requirements:
      InitialWorkDirRequirement:
        listing:
          # CWL evaluates parameter references in `entry`, so the script contains no dollar sign.
          - entryname: band_stats.py
            entry: |
              """Per-asset statistics of a STAC catalog, written as a new STAC catalog."""
              import json
              import os
              import sys

              STAC_VERSION = "1.1.0"
              TEXT_TYPES = {"text/csv", "text/plain", "text/tab-separated-values"}
              GEOJSON_TYPES = {"application/geo+json", "application/json"}
              EXTENSION_TYPES = {".csv": "text/csv", ".tsv": "text/tab-separated-values",
                                 ".txt": "text/plain", ".geojson": "application/geo+json",
                                 ".json": "application/json"}


              def log(message):
                  print("band-stats: " + message, file=sys.stderr)


              def local_path(base_file, href):
                  """The local file an href names, relative to the document that holds it."""
                  if href.startswith("file://"):
                      return href[len("file://"):]
                  if "://" in href:
                      return None
                  return os.path.normpath(os.path.join(os.path.dirname(base_file), href))


              def read_json(path):
                  with open(path, encoding="utf-8") as stream:
                      return json.load(stream)


              def find_items(catalog_path, seen):
                  """Paths of the items below a catalog, following child links, each once."""
                  catalog = read_json(catalog_path)
                  for link in catalog.get("links", []):
                      if link.get("rel") not in ("item", "child"):
                          continue
                      path = local_path(catalog_path, link["href"])
                      if path is None:
                          log("skipping remote link " + link["href"])
                      elif path not in seen:
                          seen.add(path)
                          if link["rel"] == "item":
                              yield path
                          else:
                              yield from find_items(path, seen)


              def as_number(text):
                  try:
                      number = float(text)
                  except ValueError:
                      return None
                  return number if number == number and abs(number) != float("inf") else None


              def text_numbers(path):
                  lines, numbers = 0, []
                  with open(path, encoding="utf-8", errors="replace") as stream:
                      for line in stream:
                          lines += 1
                          for cell in line.replace(",", " ").replace(";", " ").split():
                              number = as_number(cell)
                              if number is not None:
                                  numbers.append(number)
                  return lines, numbers


              def geojson_numbers(path):
                  with open(path, encoding="utf-8") as stream:
                      lines = sum(1 for _ in stream)
                  document = read_json(path)
                  features = document.get("features", [document])
                  numbers = [value for feature in features
                             for value in (feature.get("properties") or {}).values()
                             if isinstance(value, (int, float)) and not isinstance(value, bool)]
                  return lines, numbers


              def statistics(path, media_type):
                  if media_type in TEXT_TYPES:
                      lines, numbers = text_numbers(path)
                  else:
                      lines, numbers = geojson_numbers(path)
                  result = {"lines": lines, "count": len(numbers)}
                  if numbers:
                      result.update(min=min(numbers), max=max(numbers),
                                    mean=round(sum(numbers) / len(numbers), 6))
                  return result


              def media_type_of(asset, path):
                  media_type = (asset.get("type") or "").split(";")[0].strip()
                  if media_type in TEXT_TYPES or media_type in GEOJSON_TYPES:
                      return media_type
                  if media_type:
                      return None
                  return EXTENSION_TYPES.get(os.path.splitext(path)[1].lower())


              def item_folder(output_dir, item_id):
                  """A fresh folder for an item; ids repeated in child catalogs get a suffix."""
                  folder, number = item_id, 1
                  while os.path.exists(os.path.join(output_dir, folder)):
                      number += 1
                      folder = item_id + "-" + str(number)
                  os.makedirs(os.path.join(output_dir, folder))
                  return folder


              def process_item(item_path, output_dir):
                  item = read_json(item_path)
                  folder = item_folder(output_dir, item["id"])
                  assets = {}
                  for key, asset in sorted(item.get("assets", {}).items()):
                      path = local_path(item_path, asset["href"])
                      media_type = media_type_of(asset, asset["href"])
                      if path is None or media_type is None or not os.path.isfile(path):
                          log("item " + item["id"] + ": skipping asset " + key + " (" + asset["href"] + ")")
                          continue
                      stats = dict(item=item["id"], asset=key, media_type=media_type)
                      stats.update(statistics(path, media_type))
                      name = key + "-stats.json"
                      with open(os.path.join(output_dir, folder, name), "w", encoding="utf-8") as stream:
                          json.dump(stats, stream, indent=2)
                      assets[key + "-stats"] = {
                          "href": "./" + name, "type": "application/json", "roles": ["data"],
                          "title": "Statistics of asset " + key,
                      }
                      log("item " + item["id"] + ", asset " + key + ": " + json.dumps(stats))
                  times = ("datetime", "start_datetime", "end_datetime")
                  properties = {k: v for k, v in item.get("properties", {}).items() if k in times}
                  properties.setdefault("datetime", None)
                  properties["title"] = "Statistics of " + item["id"]
                  output_item = {
                      "type": "Feature", "stac_version": STAC_VERSION, "id": item["id"],
                      "geometry": item.get("geometry"), "properties": properties,
                      "links": [{"rel": "root", "href": "../catalog.json", "type": "application/json"},
                                {"rel": "parent", "href": "../catalog.json", "type": "application/json"}],
                      "assets": assets,
                  }
                  if item.get("bbox") is not None:
                      output_item["bbox"] = item["bbox"]
                  item_href = "./" + folder + "/" + folder + ".json"
                  with open(os.path.join(output_dir, item_href), "w", encoding="utf-8") as stream:
                      json.dump(output_item, stream, indent=2)
                  return item_href


              def main(input_dir, output_dir):
                  catalog_path = os.path.join(input_dir, "catalog.json")
                  if not os.path.isfile(catalog_path):
                      sys.exit("band-stats: the input directory holds no catalog.json: " + input_dir)
                  input_catalog = read_json(catalog_path)
                  os.makedirs(output_dir)
                  item_hrefs = [process_item(path, output_dir)
                                for path in find_items(catalog_path, {catalog_path})]
                  catalog = {
                      "type": "Catalog", "stac_version": STAC_VERSION,
                      "id": input_catalog.get("id", "catalog") + "-band-stats",
                      "title": "Band statistics",
                      "description": "Per-asset statistics of the items of catalog "
                                     + input_catalog.get("id", "catalog") + ".",
                      "links": [{"rel": "root", "href": "./catalog.json", "type": "application/json"}]
                      + [{"rel": "item", "href": href, "type": "application/geo+json"} for href in item_hrefs],
                  }
                  with open(os.path.join(output_dir, "catalog.json"), "w", encoding="utf-8") as stream:
                      json.dump(catalog, stream, indent=2)
                  log("wrote " + str(len(item_hrefs)) + " items")


              if __name__ == "__main__":
                  main(sys.argv[1], sys.argv[2])
    baseCommand: [python3, band_stats.py]
    arguments:
      - position: 2
        valueFrom: output
    inputs:
      input_catalog:
        type: Directory
        label: Input STAC catalog
        doc: A directory holding a STAC `catalog.json`, its items and their asset files.
        inputBinding:
          position: 1
    outputs:
      output:
        type: Directory
        label: Statistics catalog
        doc: The directory `output/` holding the statistics catalog.
        outputBinding:
          glob: output
