cwlVersion: v1.2
class: CommandLineTool
id: stac_count
doc: >
  Reads a staged STAC catalog (OGC 20-089 stage-in) and writes a Directory holding its own catalog.json with one
  item per input item, whose asset counts the lines of the input item's "data" asset.
requirements:
  DockerRequirement:
    dockerPull: python:3.11-slim
baseCommand: [python3, -c]
arguments:
  - |
    import json, os, sys
    source = sys.argv[1]
    os.makedirs("result")
    catalog = json.load(open(os.path.join(source, "catalog.json")))
    out = {"type": "Catalog", "stac_version": "1.0.0", "id": "line-counts",
           "description": "Line counts of " + catalog["id"],
           "links": [{"rel": "root", "href": "./catalog.json", "type": "application/json"}]}
    for link in catalog["links"]:
        if link["rel"] != "item":
            continue
        item_path = os.path.join(source, link["href"])
        item = json.load(open(item_path))
        data = os.path.join(os.path.dirname(item_path), item["assets"]["data"]["href"])
        count = sum(1 for _ in open(data))
        os.makedirs(os.path.join("result", item["id"]))
        with open(os.path.join("result", item["id"], "count.txt"), "w") as stream:
            stream.write(str(count) + "\n")
        result_item = {
            "type": "Feature", "stac_version": "1.0.0", "id": item["id"] + "-count",
            "geometry": item["geometry"], "bbox": item.get("bbox"), "properties": item["properties"],
            "links": [{"rel": "root", "href": "../catalog.json"}, {"rel": "parent", "href": "../catalog.json"},
                      {"rel": "derived_from", "href": "../source.txt"}],
            "assets": {"count": {"href": "./count.txt", "type": "text/plain", "roles": ["data"]}},
        }
        json.dump(result_item, open(os.path.join("result", item["id"], item["id"] + ".json"), "w"))
        out["links"].append({"rel": "item", "href": "./" + item["id"] + "/" + item["id"] + ".json"})
    with open(os.path.join("result", "source.txt"), "w") as stream:
        stream.write(catalog["id"] + "\n")
    json.dump(out, open(os.path.join("result", "catalog.json"), "w"))
inputs:
  product:
    type: Directory
    inputBinding: {position: 1}
outputs:
  result:
    type: Directory
    outputBinding: {glob: result}
