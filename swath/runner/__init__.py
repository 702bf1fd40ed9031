"""One job run: stage in → CWL engine (cwltool) → stage out → STAC. Entry: `swath.runner.execute.execute_job`."""
