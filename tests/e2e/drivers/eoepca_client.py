"""Drive EOEPCA's ogc-api-processes-client against a Swath server; run in that client's own venv.

Usage: python eoepca_client.py SERVER_URL PROCESS_ID. The process is deployed already (the client has no deploy
call). Prints one JSON line of what the client saw, for the test to check.
"""

import json
import sys
import time

from ogc_api_processes_client.api_client_wrapper import ApiClientWrapper
from ogc_api_processes_client.configuration import Configuration

url, process_id = sys.argv[1], sys.argv[2]
client = ApiClientWrapper(configuration=Configuration(host=url))

listed_ids = [summary.id for summary in client.get_processes().processes]
description = client.get_process_description(process_id)
# The client's own `Execute` model cannot hold a plain string input (its oneOf matches both `str` and `bytes`), so
# the request goes through its `execute_simple`, which posts the mapping as it is. Its results model cannot hold a
# bare number either (int and float both match), so the job asks for its file output alone.
started = client.execute_simple(
    process_id,
    {"inputs": {"name": "Cy"}, "outputs": {"greeting": {"transmissionMode": "reference"}}},
    _headers={"Prefer": "respond-async", "Content-Type": "application/json"},
)
deadline = time.monotonic() + 90
status = client.get_status(started.job_id).status.value
while status not in {"successful", "failed", "dismissed"} and time.monotonic() < deadline:
    time.sleep(0.1)
    status = client.get_status(started.job_id).status.value
results = client.get_result(started.job_id) if status == "successful" else {}
jobs = [job for job in client.get_jobs().jobs if job.process_id == process_id]
print(
    json.dumps(
        {
            "listed_ids": listed_ids,
            "description": {
                "id": description.id,
                "version": description.version,
                "inputs": sorted(description.inputs or {}),
            },
            "started": {"job_id": started.job_id, "process_id": started.process_id},
            "status": status,
            "results": {name: value.actual_instance.href for name, value in results.items()},
            "jobs": [job.job_id for job in jobs],
        }
    )
)
