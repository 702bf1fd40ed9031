"""The settings validators: unsafe combinations are refused with a message that says what to change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from swath.settings import Settings

PG = "postgresql+psycopg://swath@db/swath"


def refusal(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)
    return str(caught.value)


def test_the_celery_executor_needs_a_broker_url() -> None:
    assert "executor 'celery' needs broker_url to be an amqp:// or redis:// URL, not ''" in refusal(
        executor="celery", database_url=PG
    )


def test_the_celery_executor_refuses_sqlite() -> None:
    message = refusal(executor="celery", broker_url="amqp://guest:guest@mq//")
    assert "needs a database that every worker reaches: set database_url to PostgreSQL" in message


def test_a_redis_broker_needs_a_job_time_limit() -> None:
    message = refusal(executor="celery", broker_url="redis://cache/0", database_url=PG)
    assert "broker_visibility_timeout (43200s) must exceed job_time_limit (no limit)" in message


def test_a_redis_visibility_timeout_shorter_than_the_time_limit_is_refused() -> None:
    message = refusal(
        executor="celery",
        broker_url="redis://cache/0",
        database_url=PG,
        job_time_limit=7200,
        broker_visibility_timeout=3600,
    )
    assert "broker_visibility_timeout (3600s) must exceed job_time_limit (7200s)" in message


def test_a_redis_visibility_timeout_longer_than_the_time_limit_is_accepted() -> None:
    settings = Settings(
        executor="celery",
        broker_url="redis://cache/0",
        database_url=PG,
        job_time_limit=60,
        broker_visibility_timeout=120,
    )
    assert settings.is_redis_broker


def test_a_consumer_timeout_must_exceed_the_time_limit() -> None:
    message = refusal(broker_url="amqp://mq//", job_time_limit=3600, broker_consumer_timeout=1800)
    assert "broker_consumer_timeout (1800s) must exceed job_time_limit (3600s)" in message


def test_queue_class_names_are_unique() -> None:
    message = refusal(queues=[{"name": "small"}, {"name": "small", "cores": 4}])
    assert "queue class names must be unique, not ['small', 'small']" in message


def test_storage_is_a_local_directory_a_shared_directory_or_an_s3_url() -> None:
    assert "or s3://bucket/prefix, not 'gs://b'" in refusal(storage="gs://b")
    assert "an absolute path or file:/// URL of a shared directory" in refusal(storage="relative/dir")
    assert "not 'file://otherhost/dir'" in refusal(storage="file://otherhost/dir")
    assert "names no bucket" in refusal(storage="s3:///prefix")


def test_a_shared_directory_is_named_by_a_path_or_a_file_url() -> None:
    assert Settings(storage="file:///shared/swath%20data").storage_dir == Path("/shared/swath data")
    assert Settings(storage="/shared/swath").storage_dir == Path("/shared/swath")
    assert Settings(storage="", data_dir=Path("/srv/swath")).storage_dir == Path("/srv/swath/outputs")


def test_the_slurm_executor_needs_storage_every_node_reaches() -> None:
    assert "executor 'slurm' needs storage that every compute node reaches" in refusal(executor="slurm")
    assert Settings(executor="slurm", storage="file:///shared/swath").executor == "slurm"


def test_queues_come_from_json_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWATH_QUEUES", '[{"name": "small", "cores": 2}, {"name": "large"}]')
    settings = Settings(queue_prefix="team-a")
    assert [(queue.name, queue.cores) for queue in settings.queues] == [("small", 2), ("large", None)]
    assert settings.queue_name("large") == "team-a.large"


def test_listening_beyond_loopback_without_authentication_is_refused_and_says_how() -> None:
    message = refusal(host="192.0.2.10", public_url="http://swath.example")
    assert "set SWATH_AUTH_MODE=on" in message


def test_listening_on_every_interface_needs_a_public_url() -> None:
    assert "set SWATH_PUBLIC_URL" in refusal(host="0.0.0.0", auth_mode="on")


def test_authentication_on_with_a_public_url_may_listen_anywhere() -> None:
    assert Settings(host="0.0.0.0", auth_mode="on", public_url="https://swath.example").is_auth_on


def test_an_allowed_network_must_be_a_cidr_block() -> None:
    assert "is not a CIDR block" in refusal(allowed_networks=["intranet"])


def test_an_oidc_issuer_needs_the_audiences_to_accept() -> None:
    assert "auth_oidc_audiences" in refusal(auth_oidc_issuer="https://idp.example")


def test_settings_handed_to_the_runner_pool_keep_their_secrets_which_stay_hidden_elsewhere() -> None:
    settings = Settings(storage="s3://bucket/swath", s3_access_key_id="key", s3_secret_access_key="secret-value")
    assert "secret-value" not in settings.model_dump_json()
    handed = Settings.from_handover(settings.to_handover())
    assert handed.s3_secret_access_key.get_secret_value() == "secret-value"
    assert handed == settings
