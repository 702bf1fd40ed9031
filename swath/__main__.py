from swath.cli.main import app

app(prog_name="swath")
