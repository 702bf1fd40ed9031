"""The Celery app Swath builds: the delivery guarantees DESIGN.md relies on, and one broker queue per class."""

from __future__ import annotations

from swath.executors.celery import TASK_NAME, create_celery_app
from swath.settings import Settings

PG = "postgresql+psycopg://swath@db/swath"


def settings(**values: object) -> Settings:
    return Settings(executor="celery", broker_url="amqp://guest:guest@mq//", database_url=PG, **values)


def test_messages_are_acknowledged_late_one_at_a_time_and_rejected_when_a_worker_is_lost() -> None:
    conf = create_celery_app(settings()).conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert TASK_NAME in create_celery_app(settings()).tasks


def test_each_queue_class_is_a_broker_queue_under_the_prefix() -> None:
    app = create_celery_app(settings(queue_prefix="team", queues=[{"name": "small"}, {"name": "large"}]))
    assert [queue.name for queue in app.conf.task_queues] == ["team.small", "team.large"]
    assert app.conf.task_default_queue == "team.small"


def test_a_consumer_timeout_becomes_the_rabbitmq_queue_argument() -> None:
    app = create_celery_app(settings(job_time_limit=3600, broker_consumer_timeout=7200))
    assert app.conf.task_queues[0].queue_arguments == {"x-consumer-timeout": 7200000}


def test_a_redis_broker_gets_the_visibility_timeout() -> None:
    redis = Settings(
        executor="celery",
        broker_url="redis://cache/0",
        database_url=PG,
        job_time_limit=60,
        broker_visibility_timeout=600,
    )
    assert create_celery_app(redis).conf.broker_transport_options["visibility_timeout"] == 600
