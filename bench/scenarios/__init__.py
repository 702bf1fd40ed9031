"""One module a scenario; each exposes `run(run: Run, options: Options)` and adds its figures to the run."""
