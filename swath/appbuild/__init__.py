"""From a parameterised Jupyter notebook to a CWL application package (`swath app build`).

Runs on the author's machine, before any request: it reads a notebook or repository, may build an image with the
local container engine, and writes a package that the catalog then registers as any other.
"""
