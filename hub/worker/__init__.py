"""The connector worker: the scheduler, the worker group that shares connectors, and running one connector.

``hub up`` and ``hub worker`` run ``hub.worker.service.worker()``; ``hub sync`` calls
``hub.worker.run.run_connector()`` directly, with the same outbound-address check and the same run history.

Modules: ``service`` (the role), ``scheduler`` (schedules, backoff, and the only writer of a connector's status),
``group`` (the consumer group on ``<prefix>.hub.assignments`` that shares connectors between workers), ``run``
(one run of one connector) and ``runs`` (the run history).
"""
